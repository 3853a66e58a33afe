import Foundation
import Kafka
import Logging
import Synchronization

/// Collects every record of some topics (e.g. a dead-letter topic) in the background, for assertions.
public final class TopicReader: Sendable {
    private let consumer: KafkaConsumer
    private let records = LockedBox<[KafkaConsumerMessage]>([])
    private let task: LockedBox<Task<Void, Never>?> = LockedBox(nil)

    public init(brokers: String, topics: [String]) throws {
        var configuration = KafkaConsumerConfiguration(client: KafkaClientConfiguration(bootstrapServers: brokers), groupID: "test-reader-\(UUID().uuidString)")
        configuration.maxInFlight = 1024
        consumer = try KafkaConsumer(configuration: configuration, topics: topics, logger: Logger(label: "test-reader"))
        let consumer = self.consumer
        let records = self.records
        task.withLock {
            $0 = Task {
                try? await consumer.whileRunning {
                    for await message in consumer.messages {
                        records.withLock { $0.append(message) }
                        consumer.markProcessed(message)
                    }
                }
            }
        }
    }

    public var all: [KafkaConsumerMessage] { records.withLock { $0 } }

    public func stop() async {
        await consumer.shutdown()
        await task.withLock { $0 }?.value
    }
}
