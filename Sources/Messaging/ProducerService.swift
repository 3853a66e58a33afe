import Kafka
import Logging
import ServiceLifecycle

/// Owns the producer's lifetime in a `ServiceGroup`: started before the services that publish and shut
/// down after them, so their last records are flushed (STYLE: dependency order).
public struct ProducerService: Service {
    public let producer: KafkaProducer

    public init(producer: KafkaProducer) {
        self.producer = producer
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await producer.shutdown()
    }
}
