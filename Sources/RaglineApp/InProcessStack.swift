import Foundation
import Kafka
import Logging
import Messaging
import Prometheus
import RAGCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Roles started together in this process, the one way `ragline dev`, `ragline bench`, `ragline eval`
/// and the test harness assemble and run them: the knowledge folder seeded, the roles wired by
/// `RaglineRuntime` (through `Role.needs`), their services run in one `ServiceGroup`.
public final class InProcessStack: Sendable {
    public let assembly: RaglineRuntime.Assembly
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let gatewayPort: PortCell

    /// Seeds the knowledge folder from `configuration.localKnowledge.seedDirectory` (when `seed`), then
    /// assembles `roles` against `brokers` and starts them. `signals` end the group gracefully (for `dev`);
    /// `firstServices` start before the roles and stop after them (tracing, which must flush last).
    public init(
        configuration: RaglineConfiguration, roles: [Role] = Role.allCases, brokers: String, localKnowledgeEvents: Bool = true, seed: Bool = true,
        logger: Logger, registry: PrometheusCollectorRegistry, signals: [UnixSignal] = [], firstServices: [any Service] = [],
        onGatewayPort: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        if seed {
            try LocalKnowledgeSource.seed(from: configuration.localKnowledge.seedDirectory, into: configuration.knowledgeDirectory, logger: logger)
        }
        let gatewayPort = PortCell()
        let assembly = try RaglineRuntime(configuration: configuration, logger: logger, registry: registry)
            .assemble(roles: roles, brokers: brokers, localKnowledgeEvents: localKnowledgeEvents) { port in
                gatewayPort.port.withLock { $0 = port }
                await onGatewayPort(port)
            }
        let group = ServiceGroup(configuration: .init(
            services: (firstServices + assembly.services).map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: signals,
            logger: logger
        ))
        self.assembly = assembly
        self.group = group
        self.gatewayPort = gatewayPort
        self.running = Task { try await group.run() }
    }

    /// Waits until every role says it is ready, or throws after `timeout`.
    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let readiness = Array(assembly.readiness.values)
        try await Self.poll("the roles to be ready", timeout: timeout) { readiness.allSatisfy { $0.current == .ready } }
    }

    /// `http://127.0.0.1:<port>` of the gateway once it listens.
    public func gatewayURL(timeout: Duration = .seconds(60)) async throws -> String {
        let gatewayPort = self.gatewayPort
        try await Self.poll("the gateway to listen", timeout: timeout) { gatewayPort.port.withLock { $0 } != nil }
        return "http://127.0.0.1:\(gatewayPort.port.withLock { $0 } ?? 0)"
    }

    /// Until the group ends (a signal, or a service failing).
    public func wait() async throws {
        try await running.value
    }

    /// Shuts every service down gracefully, in reverse order, and waits.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    static func poll(_ what: String, timeout: Duration, _ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw WiringError(description: "timed out after \(timeout) waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension RaglineRuntime {
    /// The embedded broker (librdkafka's mock cluster) with every pipeline topic and dead-letter topic.
    public static func embeddedBroker(partitions: Int) throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster()
        try createTopics(on: cluster, partitions: partitions)
        return cluster
    }
}

/// The gateway's port, set from its start-up callback.
private final class PortCell: Sendable {
    let port = Mutex<Int?>(nil)
}
