import Foundation
import Gateway
import Kafka
import Logging
import Prometheus
import RAGCore
import RaglineApp
import Retriever
import ServiceLifecycle
import Synchronization

/// All four roles in this process over a fresh mock cluster, on a temporary data directory, with the
/// gateway on a free port: the in-process end-to-end fixture. Always shut down with `stop()`.
public final class PipelineHarness: Sendable {
    public let cluster: KafkaMockCluster
    public let dataDirectory: TemporaryDirectory
    public let configuration: RaglineConfiguration
    public let registry = PrometheusCollectorRegistry()
    private let groups = LockedBox<[(ServiceGroup, Task<Void, any Error>)]>([])
    /// The knowledge models of each retriever started, once an ingest worker was started too.
    private let retrieverModels = LockedBox<[KnowledgeModels]>([])
    private let startedIngestWorker = LockedBox(false)

    public var brokers: String { cluster.bootstrapServers }

    /// - Parameter configure: adjusts the configuration (callback secret, allow-list, ...).
    public init(seedDemoKnowledge: Bool = true, configure: (inout RaglineConfiguration) -> Void = { _ in }) throws {
        cluster = try KafkaMockCluster()
        try RaglineRuntime.createTopics(on: cluster, partitions: 4)
        dataDirectory = try TemporaryDirectory("ragline-e2e")
        var configuration = RaglineConfiguration()
        configuration.dataDirectory = dataDirectory.path
        configuration.gateway.host = "127.0.0.1"
        configuration.gateway.port = 0
        configuration.gateway.instanceID = "test-\(UUID().uuidString.prefix(8))"
        configuration.ingest.watchInterval = .milliseconds(100)
        configuration.ingest.seedDirectory = (repositoryRoot as NSString).appendingPathComponent("examples/knowledge")
        configuration.retriever.modelDirectory = (repositoryRoot as NSString).appendingPathComponent("models/all-MiniLM-L6-v2")
        configure(&configuration)
        self.configuration = configuration
        if seedDemoKnowledge {
            try LocalKnowledgeSource.seed(from: configuration.ingest.seedDirectory, into: configuration.knowledgeDirectory, logger: Logger(label: "test"))
        }
    }

    /// Starts `roles` as one process would, returns the gateway's base URL when there is a gateway.
    @discardableResult
    public func start(roles: [Role] = [.ingestWorker, .retriever, .responder, .gateway], localKnowledgeEvents: Bool = true, configure: (inout RaglineConfiguration) -> Void = { _ in }) async throws -> String? {
        var configuration = self.configuration
        configure(&configuration)
        var logger = Logger(label: "ragline.test")
        logger.logLevel = .warning
        let runtime = RaglineRuntime(configuration: configuration, logger: logger, registry: registry)
        let port = LockedBox<Int?>(nil)
        let assembly = try runtime.assemble(roles: roles, brokers: brokers, localKnowledgeEvents: localKnowledgeEvents) { value in
            port.withLock { $0 = value }
        }
        let group = ServiceGroup(configuration: .init(
            services: assembly.services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup) },
            logger: logger
        ))
        let task = Task { try await group.run() }
        groups.withLock { $0.append((group, task)) }
        if let models = assembly.knowledgeModels { retrieverModels.withLock { $0.append(models) } }
        if roles.contains(.ingestWorker) { startedIngestWorker.withLock { $0 = true } }
        let readiness = Array(assembly.readiness.values)
        try await waitUntil("roles to be ready", timeout: .seconds(60)) { readiness.allSatisfy { $0.current == .ready } }
        guard roles.contains(.gateway) else { return nil }
        try await waitUntil("gateway port") { port.withLock { $0 } != nil }
        return "http://127.0.0.1:\(port.withLock { $0 }!)"
    }

    /// The embedded index as the roles see it.
    public func indexCounts() async throws -> [String: Int] {
        try await ProviderFactory.localIndex(configuration).counts()
    }

    /// Waits until the index holds `expected` entries per namespace (ingestion is asynchronous).
    public func waitForIndex(_ expected: [String: Int], timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("index to hold \(expected)", timeout: timeout) {
            let counts = try await self.indexCounts()
            return expected.allSatisfy { counts[$0.key] == $0.value }
        }
        // Answer selection follows the knowledge models, which arrive just after the index changes.
        guard startedIngestWorker.withLock({ $0 }) else { return }
        for models in retrieverModels.withLock({ $0 }) {
            try await waitUntil("retriever models to cover \(expected)", timeout: timeout) {
                let counts = await models.vectorCounts()
                return expected.allSatisfy { counts[$0.key] == $0.value }
            }
        }
    }

    public func stop() async {
        let running = groups.withLock { groups in
            defer { groups.removeAll() }
            return groups
        }
        for (group, task) in running.reversed() {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
        dataDirectory.remove()
    }

    public static let demoCounts = ["transport": 12, "retail": 11, "healthcare": 11]
}
