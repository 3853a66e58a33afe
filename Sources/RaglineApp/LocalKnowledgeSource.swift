import Foundation
import LocalProviders
import Logging
import Messaging
import RAGCore
import ServiceLifecycle

/// The local object store's event source: turns changes in the knowledge folder into S3-style
/// notifications on `rag.ingest.events`, as S3 -> SQS or MinIO -> Kafka do in other deployments.
public struct LocalKnowledgeSource: Service {
    let watcher: FolderWatcher
    let publisher: EventPublisher

    public init(watcher: FolderWatcher, publisher: EventPublisher) {
        self.watcher = watcher
        self.publisher = publisher
    }

    public func run() async throws {
        let publisher = self.publisher
        try await cancelWhenGracefulShutdown {
            try await watcher.run { event in
                try await Self.publish(event, with: publisher)
            }
        }
    }

    /// Publishes one object event as AWS would deliver it: the notification JSON, keyed by object key.
    public static func publish(_ event: ObjectEvent, with publisher: EventPublisher) async throws {
        let envelope = EventEnvelope(type: EventTypes.objectNotification, source: publisher.source, subject: event.key, traceParent: .random())
        try await publisher.publishRaw(
            value: ObjectEventEncoder.notification(for: event), topic: Topics.ingestEvents, key: Data(event.key.utf8),
            headers: envelope.headers.map { .init(name: $0.name, string: $0.value) }
        )
    }

    /// Copies the demo knowledge into an empty knowledge folder (first start of `ragline dev`).
    public static func seed(from seedDirectory: String, into knowledgeDirectory: String, logger: Logger) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: knowledgeDirectory, withIntermediateDirectories: true)
        let existing = (try? fileManager.subpathsOfDirectory(atPath: knowledgeDirectory)) ?? []
        guard !existing.contains(where: { $0.hasSuffix(".jsonl") }) else { return }
        guard let files = try? fileManager.contentsOfDirectory(atPath: seedDirectory) else {
            logger.warning("no demo knowledge to seed", metadata: ["directory": "\(seedDirectory)"])
            return
        }
        for file in files where file.hasSuffix(".jsonl") {
            // examples/knowledge/<namespace>.jsonl -> knowledge/<namespace>/<namespace>.jsonl
            let namespace = String(file.dropLast(".jsonl".count))
            let folder = (knowledgeDirectory as NSString).appendingPathComponent(namespace)
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try fileManager.copyItem(atPath: (seedDirectory as NSString).appendingPathComponent(file), toPath: (folder as NSString).appendingPathComponent(file))
            logger.info("seeded demo knowledge", metadata: [LogKeys.namespace: "\(namespace)"])
        }
    }
}
