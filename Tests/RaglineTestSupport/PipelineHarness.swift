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
    private let stacks = LockedBox<[InProcessStack]>([])
    /// The knowledge models of each retriever started, once an ingest worker was started too.
    private let retrieverModels = LockedBox<[KnowledgeModels]>([])
    private let startedIngestWorker = LockedBox(false)

    public var brokers: String { cluster.bootstrapServers }

    /// - Parameter configure: adjusts the configuration (callback secret, allow-list, ...).
    public init(seedDemoKnowledge: Bool = true, configure: (inout RaglineConfiguration) -> Void = { _ in }) throws {
        cluster = try RaglineRuntime.embeddedBroker(partitions: 4)
        dataDirectory = try TemporaryDirectory("ragline-e2e")
        var configuration = RaglineConfiguration()
        configuration.dataDirectory = dataDirectory.path
        configuration.gateway.host = "127.0.0.1"
        configuration.gateway.port = 0
        configuration.gateway.instanceID = "test-\(UUID().uuidString.prefix(8))"
        configuration.localKnowledge.watchInterval = .milliseconds(100)
        configuration.localKnowledge.seedDirectory = (repositoryRoot as NSString).appendingPathComponent("examples/knowledge")
        configuration.miniLM.directory = (repositoryRoot as NSString).appendingPathComponent("models/all-MiniLM-L6-v2")
        configure(&configuration)
        self.configuration = configuration
        if seedDemoKnowledge {
            try LocalKnowledgeSource.seed(from: configuration.localKnowledge.seedDirectory, into: configuration.knowledgeDirectory, logger: Logger(label: "test"))
        }
    }

    /// Starts `roles` as one process would, returns the gateway's base URL when there is a gateway.
    @discardableResult
    public func start(roles: [Role] = [.ingestWorker, .retriever, .responder, .gateway], localKnowledgeEvents: Bool = true, configure: (inout RaglineConfiguration) -> Void = { _ in }) async throws -> String? {
        var configuration = self.configuration
        configure(&configuration)
        var logger = Logger(label: "ragline.test")
        logger.logLevel = .warning
        let stack = try InProcessStack(
            configuration: configuration, roles: roles, brokers: brokers, localKnowledgeEvents: localKnowledgeEvents, seed: false, logger: logger, registry: registry
        )
        stacks.withLock { $0.append(stack) }
        if let models = stack.assembly.knowledgeModels { retrieverModels.withLock { $0.append(models) } }
        if roles.contains(.ingestWorker) { startedIngestWorker.withLock { $0 = true } }
        try await stack.waitUntilReady()
        guard roles.contains(.gateway) else { return nil }
        return try await stack.gatewayURL()
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
        let running = stacks.withLock { stacks in
            defer { stacks.removeAll() }
            return stacks
        }
        for stack in running.reversed() {
            await stack.stop()
        }
        dataDirectory.remove()
    }

    public static let demoCounts = ["transport": 12, "retail": 11, "healthcare": 11]
}
