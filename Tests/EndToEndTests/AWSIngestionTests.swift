import AWS
import Logging
import Foundation
import RAGCore
import RaglineTestSupport
import Testing

/// S3 + SQS through moto_server (a real AWS-protocol server with signature checking on): a JSONL file
/// uploaded with boto3 becomes answerable through the whole pipeline, and deleting it removes it.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct AWSIngestionTests {
    @Test func uploadedFileIsAnswerableAndDeletingItRemovesIt() async throws {
        let moto = try await MotoServer()
        let pipeline = try PipelineHarness(seedDemoKnowledge: false) { configuration in
            configuration.providers.objectStore = "s3"
            configuration.providers.ingestSource = "sqs"
            configuration.aws.s3EndpointURL = moto.endpoint
            configuration.aws.sqsQueueURL = moto.account.queue_url
            configuration.aws.sqsWaitTimeSeconds = 1
            configuration.aws.accessKeyID = moto.account.access_key_id
            configuration.aws.secretAccessKey = moto.account.secret_access_key
        }
        let dlq = try TopicReader(brokers: pipeline.brokers, topics: [Topics.deadLetter(of: Topics.ingestEvents)])
        let base = try #require(try await pipeline.start(localKnowledgeEvents: false))
        try await withAsyncCleanup({ await dlq.stop(); await pipeline.stop(); moto.stop() }) {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let file = directory.appending("faq.jsonl")
            try [
                #"{"id":"faq-1","question":"How do I reset my password?","answer":"Use the Forgot password link on the sign-in page.","context":"Account access"}"#,
                #"{"id":"faq-2","question":"Where is my invoice?","answer":"Invoices are under Billing in your account.","context":"Billing"}"#,
                "not json",
            ].joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            // A key with a space: S3 form-encodes it in the notification ("+"), and the worker decodes it. (With
            // signature checking on, moto refuses even boto3 uploads of keys with "+", so the "+" case is a unit test.)
            try moto.put(key: "knowledge/support/my faq.jsonl", file: file)
            try await pipeline.waitForIndex(["support": 2], timeout: .seconds(60))

            let http = TestHTTP(baseURL: base)
            let reply = try await http.post("/v1/chat", json: ["question": "I forgot my password. How can I reset it?"])
            #expect((reply.json["references"] as? [[String: Any]])?.first?["id"] as? String == "faq-1", "\(reply.text)")
            try await waitUntil("the bad line dead-lettered") { !dlq.all.isEmpty }
            #expect(dlq.all.first?.header("ragline_dlq_file") == "knowledge/support/my faq.jsonl")
            #expect(dlq.all.first?.header("ragline_dlq_line") == "3")

            try moto.delete(key: "knowledge/support/my faq.jsonl")
            try await waitUntil("entries of the deleted object to go", timeout: .seconds(60)) { try await pipeline.indexCounts()["support"] == nil }
        }
    }

    @Test func signaturesAreCheckedAndAWrongSecretIsRefused() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let good = StaticCredentialProvider(AWSCredentials(accessKeyID: moto.account.access_key_id, secretAccessKey: moto.account.secret_access_key))
        let bad = StaticCredentialProvider(AWSCredentials(accessKeyID: moto.account.access_key_id, secretAccessKey: "not-the-secret"))

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.appending("a.jsonl")
        try "line one\r\nline two\nline three".write(toFile: file, atomically: true, encoding: .utf8)
        try moto.put(key: "other/a b.jsonl", file: file)

        let s3 = S3Client(region: "us-east-1", endpoint: moto.endpoint, credentials: good)
        #expect(try await s3.headObject(bucket: moto.account.bucket, key: "other/a b.jsonl")?.size == 29)
        #expect(try await s3.headObject(bucket: moto.account.bucket, key: "other/missing.jsonl") == nil)
        var lines: [String] = []
        for try await line in s3.lines(bucket: moto.account.bucket, key: "other/a b.jsonl") { lines.append(String(line)) }
        #expect(lines == ["line one", "line two", "line three"])
        // (A prefix without "/": moto checks a "/" in a query value against its decoded form, unlike AWS.)
        #expect(try await s3.listObjects(bucket: moto.account.bucket, prefix: "other") == ["other/a b.jsonl"])

        let refused = S3Client(region: "us-east-1", endpoint: moto.endpoint, credentials: bad)
        await #expect {
            _ = try await refused.listObjects(bucket: moto.account.bucket, prefix: "")
        } throws: { error in
            "\(error)".contains("403") || "\(error)".contains("SignatureDoesNotMatch")
        }
        let queue = SQSClient(queueURL: moto.account.queue_url, region: "us-east-1", credentials: bad)
        await #expect(throws: ProviderError.self) { _ = try await queue.receive(waitSeconds: 0) }
        // The upload's notification waits in the queue for a correctly signed receive.
        let messages = try await SQSClient(queueURL: moto.account.queue_url, region: "us-east-1", credentials: good).receive(waitSeconds: 1)
        #expect(messages.contains { $0.body.contains("s3:TestEvent") || $0.body.contains("ObjectCreated") })
    }

    @Test func ingestBackfillsEveryKnowledgeObjectUnderAnS3Prefix() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.appending("a.jsonl")
        try #"{"id":"a1","question":"Where is the station?","answer":"On Main Street."}"#.write(toFile: file, atomically: true, encoding: .utf8)
        try moto.put(key: "knowledge/alpha/a.jsonl", file: file)
        try moto.put(key: "knowledge/beta/b.jsonl", file: file)
        try moto.put(key: "knowledge/beta/readme.txt", file: file)
        let process = try RaglineProcess(
            name: "ingest-s3", arguments: ["ingest", "s3://\(moto.account.bucket)/knowledge"],
            environment: [
                "RAGLINE_DATA_DIR": directory.appending("data"), "S3_ENDPOINT_URL": moto.endpoint, "RAGLINE_LOG_LEVEL": "error",
                "AWS_ACCESS_KEY_ID": moto.account.access_key_id, "AWS_SECRET_ACCESS_KEY": moto.account.secret_access_key,
            ],
            logDirectory: directory.path
        )
        let status = await process.terminate(timeout: .seconds(90), signal: false)
        #expect(status == 0, "\(process.log)")
        #expect(process.log.contains("s3://\(moto.account.bucket)/knowledge/alpha/a.jsonl: 1 accepted, 0 rejected, 0 removed"), "\(process.log)")
        #expect(process.log.contains("knowledge/beta/b.jsonl: 1 accepted"))
        #expect(!process.log.contains("readme.txt"))
        #expect(FileManager.default.fileExists(atPath: directory.appending("data/index/alpha.json")))
        #expect(FileManager.default.fileExists(atPath: directory.appending("data/index/beta.json")))
    }

    @Test func aLongIngestionKeepsItsMessageInvisibleAndDeletesItAfterwards() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let credentials = StaticCredentialProvider(AWSCredentials(accessKeyID: moto.account.access_key_id, secretAccessKey: moto.account.secret_access_key))
        let client = SQSClient(queueURL: moto.account.queue_url, region: "us-east-1", credentials: credentials)
        // Drain the s3:TestEvent that configuring the notifications sent.
        for message in try await client.receive(waitSeconds: 1) { try await client.delete(message) }

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.appending("x.jsonl")
        try "{}".write(toFile: file, atomically: true, encoding: .utf8)
        try moto.put(key: "knowledge/slow/x.jsonl", file: file)

        let source = SQSIngestEventSource(client: client, waitSeconds: 1, visibilityTimeout: 2, logger: .init(label: "sqs-test"))
        let handled = LockedBox<[String]>([])
        let run = Task {
            try await source.run { notification in
                handled.withLock { $0.append(notification.id) }
                try await Task.sleep(for: .milliseconds(3500)) // longer than the 2 s lease
            }
        }
        try await waitUntil("the message to be picked up") { !handled.value.isEmpty }
        try await Task.sleep(for: .milliseconds(2500))
        // Past the original lease, but extended: nobody else can receive it.
        #expect(try await client.receive(waitSeconds: 0).isEmpty)
        try await waitUntil("the handler to finish", timeout: .seconds(10)) { handled.value.count == 1 }
        try await Task.sleep(for: .milliseconds(2500))
        run.cancel()
        _ = try? await run.value
        #expect(handled.value.count == 1, "delivered once, then deleted")
        #expect(try await client.receive(waitSeconds: 1).isEmpty)
    }
}
