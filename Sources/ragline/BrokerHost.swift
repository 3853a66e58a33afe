import Kafka
import ServiceLifecycle

/// Keeps the mock cluster alive until shutdown.
struct BrokerHost: Service {
    let cluster: KafkaMockCluster

    func run() async throws {
        try? await gracefulShutdown()
        withExtendedLifetime(cluster) {}
    }
}
