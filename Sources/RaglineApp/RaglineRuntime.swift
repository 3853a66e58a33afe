import Foundation
import Gateway
import IngestWorker
import Kafka
import LocalProviders
import Logging
import Messaging
import Prometheus
import RAGCore
import Responder
import Retriever
import ServiceLifecycle

/// Assembles the services of the requested roles, in dependency order for a `ServiceGroup`: producer,
/// consumers, event sources, HTTP servers last (so shutdown stops intake first and flushes last).
public struct RaglineRuntime: Sendable {
    public let configuration: RaglineConfiguration
    public let logger: Logger
    public let registry: PrometheusCollectorRegistry

    public init(configuration: RaglineConfiguration, logger: Logger, registry: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.logger = logger
        self.registry = registry
    }

    /// The services, plus the handles tests and the CLI use.
    public struct Assembly: Sendable {
        public var services: [any Service]
        public var readiness: [Role: Readiness]
        public var answerStore: AnswerStore?
        /// The retriever's knowledge models, when this process runs a retriever.
        public var knowledgeModels: KnowledgeModels?
    }

    public func assemble(
        roles: [Role], brokers: String, localKnowledgeEvents: Bool = false,
        onGatewayPort: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> Assembly {
        let client = try KafkaClientFactory.client(configuration, brokers: brokers, clientID: "ragline-\(roles.map(\.rawValue).joined(separator: "+"))")
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let source = "/ragline/\(roles.count == 1 ? roles[0].rawValue : "dev")"
        let publisher = EventPublisher(producer: producer, source: source)

        // Providers are made once per process and shared by the roles that need them.
        let providers = try RoleProviders(needs: .of(roles), configuration: configuration)

        var services: [any Service] = [producer]
        var httpServers: [any Service] = []
        let readiness = Dictionary(roles.map { ($0, Readiness()) }) { first, _ in first }
        var answerStore: AnswerStore?
        var knowledgeModels: KnowledgeModels?

        func consumer(group: String, topics: [String], maxInFlight: Int, configure: (inout KafkaConsumerConfiguration) -> Void = { _ in }) throws -> KafkaConsumer {
            var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: group)
            consumerConfiguration.maxInFlight = maxInFlight
            consumerConfiguration.fetchWaitMaxMilliseconds = configuration.kafka.fetchWaitMaxMilliseconds
            consumerConfiguration.sessionTimeoutMilliseconds = configuration.kafka.sessionTimeoutMilliseconds
            configure(&consumerConfiguration)
            return try KafkaConsumer(configuration: consumerConfiguration, topics: topics, logger: logger)
        }

        for role in roles {
            let roleReadiness = readiness[role] ?? Readiness()
            // Every role publishes: it is unavailable while no broker answers (the gateway adds this itself).
            if role != .gateway { roleReadiness.addCheck("kafka") { producer.isReachable } }
            switch role {
            case .retriever:
                let models = KnowledgeModels(caughtUp: false)
                knowledgeModels = models
                services.append(KnowledgeModelListener(
                    consumer: try consumer(group: ConsumerGroups.retrieverModels(instance: UUID().uuidString), topics: [Topics.knowledgeModels], maxInFlight: 1),
                    models: models, logger: logger
                ))
                services.append(RetrieverService(
                    consumer: try consumer(group: ConsumerGroups.retriever, topics: [Topics.questions], maxInFlight: configuration.retriever.concurrency),
                    publisher: publisher, embedder: try providers.embedder(), index: try providers.index(), models: models, readiness: roleReadiness,
                    configuration: configuration.retriever, logger: logger
                ))
            case .responder:
                services.append(ResponderService(
                    consumer: try consumer(group: ConsumerGroups.responder, topics: [Topics.retrievals], maxInFlight: configuration.responder.concurrency),
                    publisher: publisher, model: try providers.chatModel(), readiness: roleReadiness,
                    configuration: configuration.responder, cache: Self.answerCache(configuration), logger: logger
                ))
            case .ingestWorker:
                let ingestor = try providers.knowledgeIngestor(configuration)
                let models = KnowledgeModelPublisher(
                    index: ingestor.index, embeddingModel: ingestor.embedder.modelID, fitter: KnowledgeModelFitter(scoring: configuration.scoring), publisher: publisher, logger: logger
                )
                // Each object's report also goes to the operator's URL when `RAGLINE_INGEST_WEBHOOK_URL` is set,
                // signed with `RAGLINE_INGEST_WEBHOOK_SECRET`, else with the callbacks' `RAGLINE_CALLBACK_SECRET`.
                var ingestSettings = configuration.ingest
                ingestSettings.webhookSecret = ingestSettings.webhookSecret ?? configuration.gateway.callbackSecret
                let webhook = try IngestReportWebhook.configured(ingestSettings, logger: logger)
                if let source = try ProviderFactory.ingestEventSource(configuration, logger: logger) {
                    services.append(IngestSourceService(
                        source: source, publisher: publisher, ingestor: ingestor, models: models, webhook: webhook, readiness: roleReadiness, logger: logger
                    ))
                } else {
                    // One object at a time keeps events of the same key in order.
                    services.append(IngestWorkerService(
                        consumer: try consumer(group: ConsumerGroups.ingestWorker, topics: [Topics.ingestEvents], maxInFlight: 1),
                        publisher: publisher, ingestor: ingestor, models: models, webhook: webhook, readiness: roleReadiness, logger: logger
                    ))
                }
            case .gateway:
                let gateway = configuration.gateway
                let store = AnswerStore(capacity: gateway.answerCacheSize)
                answerStore = store
                let secret = gateway.callbackSecret ?? {
                    logger.warning("RAGLINE_CALLBACK_SECRET is not set: callbacks are signed with a random per-process secret")
                    return UUID().uuidString + UUID().uuidString
                }()
                httpServers.append(GatewayService(
                    configuration: gateway, publisher: publisher, store: store,
                    answers: try consumer(group: ConsumerGroups.gatewayAnswers(instance: gateway.instanceID), topics: [Topics.questions, Topics.answers], maxInFlight: 256) {
                        // Rebuilds the answers of the async deadline window, so that any instance, new or
                        // restarted, answers polls for them.
                        $0.startOnAssign = .recent(gateway.asyncTimeout)
                    },
                    callbacks: try consumer(group: ConsumerGroups.gatewayCallbacks, topics: [Topics.answers], maxInFlight: 16),
                    deltas: try consumer(group: ConsumerGroups.gatewayDeltas(instance: gateway.instanceID), topics: [Topics.answerDeltas], maxInFlight: 256) {
                        $0.startOnAssign = .end
                    },
                    callbackSigner: CallbackSigner(secret: secret), readiness: roleReadiness,
                    otherReadiness: roles.filter { $0 != .gateway }.compactMap { readiness[$0] },
                    registry: registry, logger: logger, onServerRunning: onGatewayPort
                ))
            }
        }

        if localKnowledgeEvents {
            let watcher = FolderWatcher(
                store: ProviderFactory.folderStore(configuration), bucket: configuration.localKnowledge.bucket,
                stateFile: (configuration.dataDirectory as NSString).appendingPathComponent("knowledge-state.json"),
                interval: configuration.localKnowledge.watchInterval, logger: logger
            )
            services.append(LocalKnowledgeSource(watcher: watcher, publisher: publisher))
        }

        // Roles without the API expose health and metrics on their admin port.
        if !roles.contains(.gateway), let role = roles.first, let port = adminPort(of: role), port > 0 {
            httpServers.append(HealthRoutes.adminApplication(
                host: configuration.gateway.host, port: port, readiness: roles.compactMap { readiness[$0] }, registry: registry, logger: logger
            ))
        }
        return Assembly(services: services + httpServers, readiness: readiness, answerStore: answerStore, knowledgeModels: knowledgeModels)
    }

    private func adminPort(of role: Role) -> Int? {
        switch role {
        case .gateway: nil
        case .retriever: configuration.retriever.adminPort
        case .responder: configuration.responder.adminPort
        case .ingestWorker: configuration.ingest.adminPort
        }
    }

    /// Creates the pipeline topics and their dead-letter topics on the embedded broker.
    public static func createTopics(on cluster: KafkaMockCluster, partitions: Int) throws {
        for topic in Topics.allWithDeadLetters {
            try cluster.createTopic(topic, partitions: partitions)
        }
    }

    /// The responder's cache of generated answers: none for extractive answers (they cost nothing to make
    /// again) or when `RAGLINE_GENERATED_ANSWER_CACHE_SIZE` is 0.
    static func answerCache(_ configuration: RaglineConfiguration) -> AnswerCache? {
        guard configuration.providers.chatModel != "extractive", configuration.responder.answerCacheSize > 0 else { return nil }
        return AnswerCache(capacity: configuration.responder.answerCacheSize, ttl: configuration.responder.answerCacheTTL)
    }

    /// `KAFKA_BROKERS`, or the address `ragline broker` published under the data directory.
    public static func brokers(_ configuration: RaglineConfiguration) throws -> String {
        if let brokers = configuration.kafka.brokers { return brokers }
        let file = configuration.brokerAddressFile
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ConfigurationError(setting: Settings.kafkaBrokers, problem: "is not set and \(file) does not exist; start `ragline broker` or set KAFKA_BROKERS")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
