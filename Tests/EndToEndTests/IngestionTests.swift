import Foundation
import IngestWorker
import Kafka
import Messaging
import RAGCore
import RaglineTestSupport
import Testing

/// Knowledge files through the local folder -> S3-style events -> IngestWorker -> index.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct IngestionTests {
    @Test func goodLinesGoInBadLinesAreReportedAndTheFileIsTheUnitOfTruth() async throws {
        let pipeline = try PipelineHarness(seedDemoKnowledge: false)
        let dlq = try TopicReader(brokers: pipeline.brokers, topics: [Topics.deadLetter(of: Topics.ingestEvents)])
        let base = try #require(try await pipeline.start())
        try await withAsyncCleanup({ await dlq.stop(); await pipeline.stop() }) {
            let http = TestHTTP(baseURL: base)

            let folder = (pipeline.configuration.knowledgeDirectory as NSString).appendingPathComponent("faq")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let file = (folder as NSString).appendingPathComponent("mixed.jsonl")
            let lines = [
                #"{"id":"faq-1","question":"How do I reset my password?","answer":"Use the Forgot password link on the sign-in page.","context":"Account access"}"#,
                #"{"id":"faq-2","question":"Where is my invoice?","answer":"Invoices are under Billing in your account.","context":"Billing documents"}"#,
                #"{"id":"faq-3","question":"broken"#,
                #"{"id":"faq-4","answer":"no question here"}"#,
                "",
                #"{"id":"faq-5","question":"Can I pay by bank transfer?","answer":"Yes, bank transfers are accepted for annual plans.","context":"Payment methods","tags":["billing"]}"#,
                #"{"id":7,"question":"Numeric id?","answer":"Not allowed."}"#,
            ]
            try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            try await pipeline.waitForIndex(["faq": 3])

            try await waitUntil("two dead-lettered lines") { dlq.all.count >= 3 }
            let reported = dlq.all.map { record in
                (record.header(EventPublisher.DeadLetterHeader.line) ?? "", record.header(EventPublisher.DeadLetterHeader.reason) ?? "", record.header(EventPublisher.DeadLetterHeader.file) ?? "")
            }.sorted { $0.0 < $1.0 }
            #expect(reported.map(\.0) == ["3", "4", "7"])
            #expect(reported[0].1.contains("invalid JSON"))
            #expect(reported[1].1.contains("missing field \"question\""))
            #expect(reported[2].1.contains("\"id\" must be a string"))
            #expect(reported.allSatisfy { $0.2 == "knowledge/faq/mixed.jsonl" })

            let answer = try await http.post("/v1/chat", json: ["question": "I forgot my password, how do I reset it?"])
            #expect((answer.json["references"] as? [[String: Any]])?.first?["id"] as? String == "faq-1")

            // A new version: faq-2 removed, faq-1 edited. The file is the unit of truth.
            let edited = [
                #"{"id":"faq-1","question":"How do I reset my password?","answer":"Open Settings, then Security, then Reset password.","context":"Account access"}"#,
                #"{"id":"faq-5","question":"Can I pay by bank transfer?","answer":"Yes, bank transfers are accepted for annual plans.","context":"Payment methods"}"#,
            ]
            try edited.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            try await pipeline.waitForIndex(["faq": 2])
            try await waitUntil("edited answer") {
                let reply = try await http.post("/v1/chat", json: ["question": "How do I reset my password?"])
                return reply.json["answer"] as? String == "Open Settings, then Security, then Reset password."
            }

            // Deleting the object deletes its entries.
            try FileManager.default.removeItem(atPath: file)
            try await waitUntil("entries of the deleted file to go") { try await pipeline.indexCounts()["faq"] == nil }
            let gone = try await http.post("/v1/chat", json: ["question": "How do I reset my password?"])
            #expect(gone.json["status"] as? String == "no_match")
        }
    }

    @Test func everyAppliedObjectIsReportedOnItsTopicAndToTheSignedWebhook() async throws {
        let receiver = CallbackReceiver()
        let hook = try await receiver.start()
        let secret = "whsec-ingest-e2e"
        let pipeline = try PipelineHarness(seedDemoKnowledge: false) { configuration in
            configuration.ingest.webhookURL = hook
            // No RAGLINE_INGEST_WEBHOOK_SECRET: the reports are signed with the callbacks' secret.
            configuration.gateway.callbackSecret = secret
        }
        let reports = try TopicReader(brokers: pipeline.brokers, topics: [Topics.ingestReports])
        try await pipeline.start(roles: [.ingestWorker], localKnowledgeEvents: true)
        try await withAsyncCleanup({ await reports.stop(); await pipeline.stop(); await receiver.stop() }) {
            let folder = (pipeline.configuration.knowledgeDirectory as NSString).appendingPathComponent("faq")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let file = (folder as NSString).appendingPathComponent("upload.jsonl")
            let key = "knowledge/faq/upload.jsonl"
            try [
                #"{"id":"up-1","question":"How do I reset my password?","answer":"Use the Forgot password link on the sign-in page."}"#,
                #"{"id":"up-2","question":"broken"#,
                #"{"id":"up-3","question":"Where is my invoice?","answer":"Invoices are under Billing in your account."}"#,
                #"{"id":"up-4","answer":"no question here"}"#,
            ].joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)

            try await waitUntil("the upload's report", timeout: .seconds(60)) { reports.all.contains { $0.keyString == key } }
            let record = try #require(reports.all.first { $0.keyString == key })
            #expect(record.header(EventEnvelope.HeaderName.type) == EventTypes.knowledgeIngested)
            let report = try EventCoding.decode(KnowledgeIngested.self, from: record.value)
            #expect(report.status == .completed)
            #expect(report.operation == .put)
            #expect(report.namespace == "faq")
            #expect([report.accepted, report.rejected, report.deleted, report.unchanged] as [Int] == [2, 2, 0, 0])
            #expect(report.rejectedLines.map(\.line) == [2, 4])
            #expect(!report.embeddingModel.isEmpty)

            // The webhook got the same report, signed with the callback secret.
            try await waitUntil("the report's webhook delivery") { !receiver.all.isEmpty }
            let delivery = receiver.all[0]
            #expect(delivery.headers["webhook-id"] == report.id)
            #expect(delivery.body == record.value)
            let timestamp = try #require(delivery.headers["webhook-timestamp"].flatMap(Int.init))
            let signature = try #require(delivery.headers["webhook-signature"])
            #expect(CallbackSigner(secret: secret).verify(id: report.id, timestamp: timestamp, body: delivery.body, signatureHeader: signature))

            // Deleting the file is reported too, on the topic and to the webhook.
            try FileManager.default.removeItem(atPath: file)
            try await waitUntil("the delete's report", timeout: .seconds(60)) { reports.all.filter { $0.keyString == key }.count >= 2 }
            let deletion = try EventCoding.decode(KnowledgeIngested.self, from: try #require(reports.all.last { $0.keyString == key }).value)
            #expect(deletion.operation == .delete)
            #expect(deletion.status == .completed)
            #expect(deletion.deleted == 2)
            try await waitUntil("the delete's webhook delivery") { receiver.all.count >= 2 }
            let second = receiver.all[1]
            #expect(second.headers["webhook-id"] == deletion.id)
            let secondTimestamp = try #require(second.headers["webhook-timestamp"].flatMap(Int.init))
            #expect(CallbackSigner(secret: secret).verify(
                id: deletion.id, timestamp: secondTimestamp, body: second.body, signatureHeader: second.headers["webhook-signature"] ?? ""
            ))
        }
    }

    @Test func malformedEventsAreDeadLetteredAndTestEventsSkipped() async throws {
        let pipeline = try PipelineHarness(seedDemoKnowledge: false)
        let dlq = try TopicReader(brokers: pipeline.brokers, topics: [Topics.deadLetter(of: Topics.ingestEvents)])
        try await pipeline.start(roles: [.ingestWorker], localKnowledgeEvents: false)
        try await withAsyncCleanup({ await dlq.stop(); await pipeline.stop() }) {

            let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: pipeline.brokers)), logger: .init(label: "test"))
            let producing = Task { try await producer.run() }
            let testEvent = #"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-25T00:00:00.000Z","Bucket":"kb"}"#
            try await producer.send(.init(topic: Topics.ingestEvents, key: nil, value: Data(testEvent.utf8)))
            try await producer.send(.init(topic: Topics.ingestEvents, key: Data("x".utf8), value: Data("this is not json".utf8)))
            try await producer.send(.init(topic: Topics.ingestEvents, key: Data("y".utf8), value: Data(#"{"Records":[{"s3":{}}]}"#.utf8)))
            try await waitUntil("two dead letters") { dlq.all.count >= 2 }
            try await Task.sleep(for: .milliseconds(500))
            let reasons = dlq.all.compactMap { $0.header(EventPublisher.DeadLetterHeader.reason) }.sorted()
            #expect(reasons.count == 2, "the test event must be skipped, not dead-lettered: \(reasons)")
            #expect(reasons.contains("event is not valid JSON"))
            #expect(reasons.contains("Records[0].eventName is missing"))
            #expect(dlq.all.allSatisfy { $0.header(EventPublisher.DeadLetterHeader.stage) == "ingest.decode" })
            await producer.shutdown()
            try await producing.value
        }
    }
}
