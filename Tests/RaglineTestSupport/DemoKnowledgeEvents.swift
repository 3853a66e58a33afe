import Foundation
import Kafka
import LocalProviders
import Logging
import RAGCore

/// The demo knowledge delivered as roles in other processes receive it: S3 `ObjectCreated` notifications
/// on `rag.ingest.events` (as S3 -> SQS or MinIO -> Kafka send them), then the wait until the ingest
/// worker has indexed every entry.
public enum DemoKnowledgeEvents {
    public static func publishAndWaitUntilIndexed(brokers: String, indexDirectory: String, timeout: Duration = .seconds(60)) async throws {
        let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: brokers)), logger: Logger(label: "test"))
        try await producer.whileRunning {
            for namespace in PipelineHarness.demoCounts.keys.sorted() {
                let event = ObjectEvent(kind: .created, bucket: "local", key: "knowledge/\(namespace)/\(namespace).jsonl", eventName: "ObjectCreated:Put")
                try await producer.send(.init(topic: Topics.ingestEvents, key: Data(event.key.utf8), value: ObjectEventEncoder.notification(for: event)))
            }
        }
        let index = try LocalVectorIndex(directory: indexDirectory)
        try await waitUntil("demo knowledge indexed", timeout: timeout) { try await index.counts() == PipelineHarness.demoCounts }
    }
}
