import Kafka
import Logging

/// What every consuming role is made of: its consume-process-store loop, its publisher, its readiness,
/// and its logger tagged with the role. Roles hold one and add only their own logic.
public struct ConsumingStage: Sendable {
    public let loop: ConsumerLoop
    public let publisher: EventPublisher
    public let readiness: Readiness
    public let logger: Logger

    public init(role: String, consumer: any RecordStream, publisher: EventPublisher, readiness: Readiness, logger: Logger) {
        var logger = logger
        logger[metadataKey: LogKeys.role] = "\(role)"
        self.loop = ConsumerLoop(consumer: consumer, logger: logger)
        self.publisher = publisher
        self.readiness = readiness
        self.logger = logger
    }

    /// Consumes until shutdown, marking the role ready once its consumer has joined its group.
    public func run(_ process: @escaping @Sendable (KafkaConsumerMessage) async throws -> Void) async {
        let readiness = self.readiness
        await loop.run(onJoined: { readiness.markReady() }, process: process)
    }
}
