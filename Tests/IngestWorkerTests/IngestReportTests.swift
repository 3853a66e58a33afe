import Foundation
import IngestWorker
import Kafka
import LocalProviders
import Logging
import Messaging
import RAGCore
import RaglineTestSupport
import Testing

/// Every applied object event publishes one report to `rag.ingest.reports`, keyed by object key (and POSTs
/// it to the webhook when there is one); objects that cannot be applied get a `failed` report.
@Suite struct IngestReportTests {
    /// A knowledge folder, a local index and a handler that publishes on an in-memory bus.
    struct Fixture {
        static let key = "knowledge/faq/faq.jsonl"
        let directory: TemporaryDirectory
        let bus: InMemoryBus
        let handler: ObjectEventHandler
        /// What the handler asked its caller to dead-letter: (reason, stage).
        let deadLettered = LockedBox<[String]>([])

        init(embedder: any Embedder = LexicalEmbedder(), webhook: IngestReportWebhook? = nil) throws {
            directory = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: directory.appending("kb/faq"), withIntermediateDirectories: true)
            let ingestor = KnowledgeIngestor(
                store: FolderObjectStore(root: directory.appending("kb")), embedder: embedder,
                index: try LocalVectorIndex(directory: directory.appending("index")), batchSize: 2
            )
            bus = InMemoryBus()
            handler = ObjectEventHandler(
                ingestor: ingestor, publisher: EventPublisher(producer: bus, source: "/ragline/ingest-worker"), webhook: webhook, logger: Logger(label: "test")
            )
        }

        func write(_ lines: [String]) throws {
            try lines.joined(separator: "\n").write(toFile: directory.appending("kb/faq/faq.jsonl"), atomically: true, encoding: .utf8)
        }

        func handle(_ notification: Data) async throws {
            let deadLettered = self.deadLettered
            try await handler.handle(notification) { reason, stage in deadLettered.withLock { $0.append("\(stage): \(reason)") } }
        }

        func upload(key: String = Fixture.key) async throws {
            try await handle(ObjectEventEncoder.notification(for: ObjectEvent(kind: .created, bucket: "local", key: key, eventName: "ObjectCreated:Put")))
        }

        func delete(key: String = Fixture.key) async throws {
            try await handle(ObjectEventEncoder.notification(for: ObjectEvent(kind: .removed, bucket: "local", key: key, eventName: "ObjectRemoved:Delete")))
        }

        var records: [KafkaConsumerMessage] { bus.records(in: [Topics.ingestReports]) }

        var reports: [KnowledgeIngested] {
            get throws { try records.map { try EventCoding.decode(KnowledgeIngested.self, from: $0.value) } }
        }

        func remove() { directory.remove() }
    }

    static let mixed = [
        #"{"id":"faq-1","question":"How do I reset my password?","answer":"Use the Forgot password link.","context":"Account access"}"#,
        #"{"id":"faq-2","question":"broken"#,
        #"{"id":"faq-3","question":"Where is my invoice?","answer":"Invoices are under Billing."}"#,
        #"{"id":"faq-4","answer":"no question here"}"#,
        "",
        #"{"id":"faq-5","question":"Can I pay by bank transfer?","answer":"Yes, for annual plans.","alternate_questions":["Do you take wire transfers?"]}"#,
        #"{"id":7,"question":"Numeric id?","answer":"Not allowed."}"#,
    ]

    @Test func anUploadWithGoodAndBadLinesIsReportedWithItsCountsAndRejectedLines() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.write(Self.mixed)
        let before = Date()
        try await fixture.upload()

        let record = try #require(fixture.records.first)
        #expect(fixture.records.count == 1)
        #expect(record.keyString == Fixture.key)
        #expect(record.header(EventEnvelope.HeaderName.type) == EventTypes.knowledgeIngested)
        #expect(record.header(EventEnvelope.HeaderName.source) == "/ragline/ingest-worker")
        let report = try EventCoding.decode(KnowledgeIngested.self, from: record.value)
        #expect(report.key == Fixture.key)
        #expect(report.namespace == "faq")
        #expect(report.operation == .put)
        #expect(report.status == .completed)
        #expect(report.accepted == 3)
        #expect(report.rejected == 3)
        #expect(report.deleted == 0)
        #expect(report.unchanged == 0)
        #expect(report.rejectedLines.map(\.line) == [2, 4, 7])
        #expect(report.rejectedLines[0].reason.contains("invalid JSON"))
        #expect(report.rejectedLines[1].reason.contains("missing field \"question\""))
        #expect(report.rejectedLines[2].reason.contains("\"id\" must be a string"))
        #expect(report.rejectedLinesTruncated == 0)
        #expect(report.embeddingModel == LexicalEmbedder().modelID)
        #expect(report.error == nil)
        #expect(report.startedAt >= before.addingTimeInterval(-0.001) && report.finishedAt >= report.startedAt)
        #expect(report.durationMilliseconds >= 0)
        #expect(UUID(uuidString: report.id) != nil && report.id == report.id.lowercased())
        // The bad lines are still dead-lettered one by one, and the event itself is not.
        #expect(fixture.bus.records(in: [Topics.deadLetter(of: Topics.ingestEvents)]).count == 3)
        #expect(fixture.deadLettered.value.isEmpty)

        // The same file again: every entry unchanged.
        try await fixture.upload()
        let again = try #require(try fixture.reports.last)
        #expect([again.accepted, again.unchanged, again.deleted, again.rejected] as [Int] == [3, 3, 0, 3])
        #expect(again.id != report.id)

        // A new version: faq-1 edited, faq-3 gone, faq-5 (with its alternate question) as it was.
        try fixture.write([
            #"{"id":"faq-1","question":"How do I reset my password?","answer":"Open Settings, then Security.","context":"Account access"}"#,
            #"{"id":"faq-5","question":"Can I pay by bank transfer?","answer":"Yes, for annual plans.","alternate_questions":["Do you take wire transfers?"]}"#,
        ])
        try await fixture.upload()
        let edited = try #require(try fixture.reports.last)
        #expect([edited.accepted, edited.unchanged, edited.deleted, edited.rejected] as [Int] == [2, 1, 1, 0])
        #expect(edited.rejectedLines.isEmpty)
        #expect(fixture.records.allSatisfy { $0.keyString == Fixture.key })
    }

    @Test func aDeleteIsReported() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.write(Self.mixed)
        try await fixture.upload()
        try FileManager.default.removeItem(atPath: fixture.directory.appending("kb/faq/faq.jsonl"))
        try await fixture.delete()

        let reports = try fixture.reports
        #expect(reports.count == 2)
        let deletion = try #require(reports.last)
        #expect(deletion.key == Fixture.key)
        #expect(deletion.operation == .delete)
        #expect(deletion.status == .completed)
        #expect(deletion.deleted == 4, "faq-1, faq-3, faq-5 and faq-5's alternate question")
        #expect([deletion.accepted, deletion.rejected, deletion.unchanged] as [Int] == [0, 0, 0])
        #expect(deletion.rejectedLines.isEmpty)
        #expect(fixture.records.last?.keyString == Fixture.key)
    }

    @Test func rejectedLinesAreListedUpToTheCapAndCountedBeyondIt() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.write([#"{"id":"ok","question":"Fine?","answer":"Yes."}"#] + Array(repeating: "{oops", count: KnowledgeIngested.maxRejectedLines + 5))
        try await fixture.upload()
        let report = try #require(try fixture.reports.first)
        #expect(report.rejected == KnowledgeIngested.maxRejectedLines + 5)
        #expect(report.rejectedLines.count == KnowledgeIngested.maxRejectedLines)
        #expect(report.rejectedLines.first?.line == 2)
        #expect(report.rejectedLinesTruncated == 5)
    }

    @Test func objectsThatCannotBeAppliedAreDeadLetteredAndReportedAsFailed() async throws {
        let fixture = try Fixture(embedder: ScriptedEmbedder())
        defer { fixture.remove() }
        // The embedder refuses this line for good (as a hosted embedder answers 401).
        try fixture.write([#"{"id":"p","question":"A permanent failure?","answer":"Yes."}"#])
        try await fixture.upload()
        #expect(fixture.deadLettered.value.count == 1)
        #expect(fixture.deadLettered.value.first?.hasPrefix("ingest.object: ") == true)
        let failed = try #require(try fixture.reports.first)
        #expect(failed.status == .failed)
        #expect(failed.operation == .put)
        #expect(failed.key == Fixture.key)
        #expect(failed.error?.contains("401") == true)
        #expect(failed.embeddingModel == "scripted")

        // A notification that cannot be decoded but names its object: dead-lettered as before, and reported.
        let unnamedEvent = #"{"Records":[{"s3":{"bucket":{"name":"local"},"object":{"key":"knowledge%2Ffaq%2Fbroken.jsonl"}}}]}"#
        try await fixture.handle(Data(unnamedEvent.utf8))
        #expect(fixture.deadLettered.value.last == "ingest.decode: Records[0].eventName is missing")
        let malformed = try #require(try fixture.reports.last)
        #expect(fixture.records.last?.keyString == "knowledge/faq/broken.jsonl")
        #expect(malformed.status == .failed)
        #expect(malformed.key == "knowledge/faq/broken.jsonl")
        #expect(malformed.namespace == "faq")
        #expect(malformed.operation == nil)
        #expect(malformed.error == "malformed object event: Records[0].eventName is missing")

        // Without an object key there is nothing to report on; the notification is dead-lettered only.
        try await fixture.handle(Data("this is not json".utf8))
        try await fixture.handle(Data(#"{"Records":[{"s3":{}}]}"#.utf8))
        #expect(fixture.deadLettered.value.count == 4)
        #expect(fixture.records.count == 2)
        // A test event is skipped: no dead letter, no report.
        try await fixture.handle(Data(#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"local"}"#.utf8))
        #expect(fixture.deadLettered.value.count == 4)
        #expect(fixture.records.count == 2)
    }

    @Test func theWebhookReceivesTheSignedReportAndRetriesUntilDelivered() async throws {
        let receiver = CallbackReceiver(failFirst: 1)
        let hook = try await receiver.start()
        let secret = "whsec-ingest-test"
        let webhook = IngestReportWebhook(
            url: hook, secret: secret, maxAttempts: 3, retryDelays: .milliseconds(10) ... .milliseconds(50), logger: Logger(label: "test")
        )
        let fixture = try Fixture(webhook: webhook)
        try await withAsyncCleanup({ fixture.remove(); await receiver.stop() }) {
            try fixture.write(Self.mixed)
            try await fixture.upload()

            // Delivery ends before the event counts as handled: the first attempt got 503, the second 204.
            let deliveries = receiver.all
            #expect(deliveries.count == 2)
            let record = try #require(fixture.records.first)
            let report = try EventCoding.decode(KnowledgeIngested.self, from: record.value)
            for delivery in deliveries {
                #expect(delivery.headers["webhook-id"] == report.id, "the same id on every attempt")
                #expect(delivery.headers["content-type"] == "application/json")
                #expect(delivery.body == record.value, "the body is the report as published")
                let timestamp = try #require(delivery.headers["webhook-timestamp"].flatMap(Int.init))
                let signature = try #require(delivery.headers["webhook-signature"])
                #expect(CallbackSigner(secret: secret).verify(id: report.id, timestamp: timestamp, body: delivery.body, signatureHeader: signature))
                #expect(!CallbackSigner(secret: "wrong").verify(id: report.id, timestamp: timestamp, body: delivery.body, signatureHeader: signature))
            }
            let delivered = try EventCoding.decode(KnowledgeIngested.self, from: deliveries[1].body)
            #expect(delivered.rejectedLines.map(\.line) == [2, 4, 7])
            #expect(fixture.bus.records(in: [Topics.deadLetter(of: Topics.ingestReports)]).isEmpty)
        }
    }

    @Test func aReportTheWebhookNeverTakesIsDeadLetteredAndIngestionGoesOn() async throws {
        let receiver = CallbackReceiver(failFirst: 100)
        let hook = try await receiver.start()
        let webhook = IngestReportWebhook(
            url: hook, secret: "whsec-ingest-test", maxAttempts: 2, retryDelays: .milliseconds(10) ... .milliseconds(20), logger: Logger(label: "test")
        )
        let fixture = try Fixture(webhook: webhook)
        try await withAsyncCleanup({ fixture.remove(); await receiver.stop() }) {
            try fixture.write(Self.mixed)
            try await fixture.upload()
            #expect(receiver.all.count == 2)
            let report = try #require(fixture.records.first)
            let deadLetters = fixture.bus.records(in: [Topics.deadLetter(of: Topics.ingestReports)])
            let deadLetter = try #require(deadLetters.first)
            #expect(deadLetters.count == 1)
            #expect(deadLetter.keyString == Fixture.key)
            #expect(deadLetter.value == report.value)
            #expect(deadLetter.header(EventPublisher.DeadLetterHeader.stage) == "ingest.webhook")
            #expect(deadLetter.header(EventPublisher.DeadLetterHeader.attempts) == "2")
            #expect(deadLetter.header(EventPublisher.DeadLetterHeader.sourceTopic) == Topics.ingestReports)
            #expect(deadLetter.header(EventPublisher.DeadLetterHeader.sourceOffset) == String(report.offset))
            #expect(deadLetter.header(EventPublisher.DeadLetterHeader.reason)?.hasPrefix("webhook failed: receiver answered HTTP 503") == true)
            #expect(deadLetter.header(EventEnvelope.HeaderName.type) == EventTypes.knowledgeIngested)

            // The next object is applied and reported as usual.
            try await fixture.delete()
            #expect(fixture.records.count == 2)
        }
    }
}
