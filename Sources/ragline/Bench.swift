import ArgumentParser
import AsyncHTTPClient
import Foundation
import Kafka
import Logging
import NIOCore
import Prometheus
import RAGCore
import RaglineApp
import ServiceLifecycle

/// `ragline bench`: measurements whose results go to BENCHMARKS.md.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run benchmarks.", subcommands: [Pipeline.self, Stream.self, Load.self, Embed.self, Selection.self])

    /// `ragline bench pipeline`: `/v1/chat` latency through all four roles on embedded defaults, with one
    /// Kafka produce->consume hop on the same broker measured in the same run as the baseline.
    struct Pipeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Latency of POST /v1/chat through the whole pipeline (embedded defaults).")

        @Option(help: "Measured requests.") var requests = 300
        @Option(help: "Unmeasured requests first.") var warmup = 30
        @Option(help: "fetch.wait.max.ms for the roles' consumers.") var fetchWaitMs = 5
        @Flag(help: "Repeat five questions verbatim (embedding cache hits) instead of making each one unique.") var repeatQuestions = false
        @Option(help: "RAGLINE_EMBED_BATCH_MAX_SIZE for the run (1: no dynamic batching).") var embedBatchMaxSize = ProviderSelection.default.embedBatchMaxSize

        func run() async throws {
            var logger = Logger(label: "ragline.bench")
            logger.logLevel = .error
            Bench.quietLogging()
            var configuration = Bench.demoConfiguration()
            defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
            configuration.kafka.fetchWaitMaxMilliseconds = fetchWaitMs
            configuration.providers.embedBatchMaxSize = embedBatchMaxSize
            let (cluster, stack, base) = try await Bench.startDemoStack(configuration, logger: logger)
            let questions = [
                "How can I buy a ticket without using the station kiosk?", "What is your return policy?",
                "Do you accept my insurance provider?", "Can I bring my bicycle on board?", "How long does delivery take?",
            ]
            var total: [Double] = [], pipeline: [Double] = [], model: [Double] = []
            for number in 0..<(warmup + requests) {
                let start = ContinuousClock.now
                // A distinct text per request defeats the embedding cache, so model time is a real forward pass.
                let question = questions[number % questions.count] + (repeatQuestions ? "" : " (request \(number))")
                let body = try await post(base + "/v1/chat", question: question)
                let elapsed = (ContinuousClock.now - start).milliseconds
                guard number >= warmup else { continue }
                total.append(elapsed)
                let timings = body["timings"] as? [String: Double] ?? [:]
                pipeline.append(timings["pipeline_ms"] ?? .nan)
                model.append((timings["embedding_ms"] ?? 0) + (timings["search_ms"] ?? 0) + (timings["generation_ms"] ?? 0))
            }
            let hop = try await kafkaHop(brokers: cluster.bootstrapServers, fetchWaitMs: fetchWaitMs, count: 100, logger: logger)

            await stack.stop()

            print("| measurement (\(requests) sequential requests, fetch.wait.max.ms=\(fetchWaitMs), \(repeatQuestions ? "repeated questions" : "distinct questions"), embed batch max \(embedBatchMaxSize)) | p50 ms | p99 ms |")
            print("| --- | --- | --- |")
            print(row("POST /v1/chat, client-side", total))
            print(row("pipeline (asked_at -> answer published), server-side", pipeline))
            print(row("model time (embedding + search + generation, \(configuration.providers.embedder))", model))
            print(row("pipeline minus model time (three Kafka hops, envelopes, JSON)", zip(pipeline, model).map { $0 - $1 }))
            print(row("baseline: one Kafka produce->consume hop, same broker", hop))
        }

        func post(_ url: String, question: String) async throws -> [String: Any] {
            let response = try await HTTPClient.shared.execute(Bench.chatRequest(url, question: question, stream: false), timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            guard response.status.code == 200 else { throw ValidationError("HTTP \(response.status.code): \(String(buffer: bytes))") }
            return (try JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        }

        func kafkaHop(brokers: String, fetchWaitMs: Int, count: Int, logger: Logger) async throws -> [Double] {
            let client = KafkaClientConfiguration(bootstrapServers: brokers)
            let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
            var consumerConfiguration = KafkaConsumerConfiguration(client: client, groupID: "bench-hop")
            consumerConfiguration.fetchWaitMaxMilliseconds = fetchWaitMs
            consumerConfiguration.startOnAssign = .end
            let consumer = try KafkaConsumer(configuration: consumerConfiguration, topics: ["bench.hop"], logger: logger)
            return try await producer.whileRunning {
                try await consumer.whileRunning {
                    var iterator = consumer.messages.makeAsyncIterator()
                    await consumer.waitForAssignment(of: "bench.hop")
                    var samples: [Double] = []
                    for number in 0..<(count + 10) {
                        let start = ContinuousClock.now
                        try await producer.send(.init(topic: "bench.hop", key: nil, value: Data("x".utf8)))
                        guard let message = await iterator.next() else { break }
                        consumer.markProcessed(message)
                        if number >= 10 { samples.append((ContinuousClock.now - start).milliseconds) }
                    }
                    return samples
                }
            }
        }

        func row(_ name: String, _ values: [Double]) -> String {
            Bench.row(name, values, digits: 2)
        }
    }

    /// Errors only: a benchmark's output is its table.
    static func quietLogging() {
        Bootstrap.logging(level: .error, label: "ragline.bench")
    }

    /// Embedded defaults in a fresh temporary data directory (the caller removes it), the gateway on a free port.
    static func demoConfiguration() -> RaglineConfiguration {
        var configuration = RaglineConfiguration()
        configuration.dataDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("ragline-bench-\(UUID().uuidString.prefix(6))")
        configuration.gateway.host = "127.0.0.1"
        configuration.gateway.port = 0
        configuration.localKnowledge.watchInterval = .milliseconds(100)
        return configuration
    }

    /// Every role in process over an embedded broker, returned once the demo knowledge (34 entries) is
    /// indexed and the gateway is ready.
    static func startDemoStack(_ configuration: RaglineConfiguration, logger: Logger) async throws -> (KafkaMockCluster, InProcessStack, String) {
        let cluster = try RaglineRuntime.embeddedBroker(partitions: 4)
        let stack = try InProcessStack(
            configuration: configuration, brokers: cluster.bootstrapServers, logger: logger, registry: PrometheusCollectorRegistry()
        )
        let index = try ProviderFactory.localIndex(configuration)
        while try await index.counts().values.reduce(0, +) < 34 {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await stack.waitUntilReady()
        return (cluster, stack, try await stack.gatewayURL())
    }

    /// A BENCHMARKS.md table row: name, p50, p99.
    static func row(_ name: String, _ values: [Double], digits: Int) -> String {
        func percentile(_ p: Double) -> String {
            values.nearestRankPercentile(p).map { String(format: "%.\(digits)f", $0) } ?? "-"
        }
        return "| \(name) | \(percentile(0.5)) | \(percentile(0.99)) |"
    }
}
