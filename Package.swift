// swift-tools-version: 6.1
import PackageDescription

/// One set of compiler settings for every target (STYLE.md: one `swiftSettings` array).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Ragline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ragline", targets: ["ragline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        // C module over Debian's librdkafka (and its mock cluster). Nothing else.
        .systemLibrary(
            name: "CKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Async Swift over librdkafka. Knows nothing of RAG.
        .target(
            name: "Kafka",
            dependencies: [
                "CKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Contracts, configuration and provider protocols. No I/O.
        .target(
            name: "RAGCore",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // Debian's OpenBLAS (cblas), for the encoder's large matrix products.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The encoder's hot loops in C: packed-weight AVX2/FMA kernel (runtime-checked), attention,
        // LayerNorm, GELU. Always optimised, so that debug builds and tests stay usable.
        .target(
            name: "CMiniLM",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]
        ),
        // all-MiniLM-L6-v2 in-process: tokenizer, safetensors reader, BERT encoder, `Embedder`.
        .target(
            name: "MiniLM",
            dependencies: [
                "RAGCore", "CMiniLM", "COpenBLAS",
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS: SigV4 signing, credentials, S3 and SQS.
        .target(
            name: "AWS",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                "RAGCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pinecone: serverless index (data plane, host from the control plane) and Inference embeddings.
        .target(
            name: "Pinecone",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                "RAGCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // OpenAI-compatible chat completions and embeddings (Hugging Face router, vLLM, TGI, Ollama, OpenAI)
        // and Hugging Face feature extraction.
        .target(
            name: "OpenAICompatible",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                "RAGCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Embedded providers: local vector index, folder object store, extractive model, lexical embedder.
        .target(
            name: "LocalProviders",
            dependencies: [
                "RAGCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator's reports without Kafka: gaps grouped by meaning, alternate questions, feedback per entry.
        .target(
            name: "OperatorReports",
            dependencies: [
                "RAGCore",
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pipeline plumbing shared by every role: envelopes on Kafka, the consume-process-store loop, DLQ,
        // health and metrics endpoints.
        .target(
            name: "Messaging",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "Kafka", "RAGCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // CallbackSigner: answer callbacks and ingestion-report webhooks are signed alike.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // OpenTelemetry tracing from the OTEL_* environment (swift-otel, OTLP/HTTP). Traces only.
        .target(
            name: "Telemetry",
            dependencies: [
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Configuration", package: "swift-configuration"),
                "Messaging", "RAGCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Kafka", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The web chat page and the OpenAPI document are compiled into the binary, so the image needs no files beside it.
            resources: [.embedInCode("Resources/chat.html"), .embedInCode("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Retriever",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Configuration", package: "swift-configuration"),
                "Messaging", "RAGCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Kafka",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Responder",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Configuration", package: "swift-configuration"),
                "Messaging", "RAGCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Kafka",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "IngestWorker",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                "Messaging", "RAGCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Kafka",
                // The ingestion-report webhook.
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The wiring: roles, what each needs, and the one factory from configuration to providers.
        .target(
            name: "RaglineApp",
            dependencies: [
                "Kafka", "RAGCore", "LocalProviders", "Messaging", "MiniLM", "OpenAICompatible", "AWS", "Pinecone",
                "Gateway", "Retriever", "Responder", "IngestWorker", "OperatorReports",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ragline",
            dependencies: [
                "Telemetry",
                "RaglineApp", "RAGCore", "Kafka", "MiniLM", "IngestWorker", "LocalProviders", "AWS", "Messaging", "Retriever", "OperatorReports",
                .product(name: "Configuration", package: "swift-configuration"),
                // `ragline bench stream` serves a paced OpenAI-compatible model; `ask --stream` reads events.
                .product(name: "Hummingbird", package: "hummingbird"), "OpenAICompatible",
                // `ragline bench load` records latencies without coordinated omission.
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),

        // Fakes and harnesses shared by the test targets (STYLE: a shared test-support target).
        .target(
            name: "RaglineTestSupport",
            dependencies: [
                "RaglineApp", "Kafka", "RAGCore", "Messaging", "Gateway", "Retriever", "LocalProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/RaglineTestSupport",
            exclude: ["moto_fixture.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TelemetryTests",
            dependencies: ["Telemetry"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", "RaglineTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RAGCoreTests",
            dependencies: ["RAGCore", .product(name: "Configuration", package: "swift-configuration")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RaglineAppTests",
            dependencies: ["RaglineApp", "RAGCore", .product(name: "Configuration", package: "swift-configuration")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LocalProvidersTests",
            dependencies: ["LocalProviders", "RAGCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AWSTests",
            dependencies: ["AWS", "RaglineTestSupport", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["Fixtures", "msk_token_reference.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PineconeTests",
            dependencies: ["Pinecone", "RAGCore", "RaglineTestSupport", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenAICompatibleTests",
            dependencies: [
                "OpenAICompatible", "RAGCore", "RaglineTestSupport", "Messaging",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MiniLMTests",
            dependencies: ["MiniLM", "RAGCore", "CMiniLM"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RetrieverTests",
            dependencies: ["RaglineTestSupport", "Retriever", "Messaging", "RAGCore", "Kafka", "LocalProviders"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ResponderTests",
            dependencies: ["RaglineTestSupport", "Responder", "Messaging", "RAGCore", "Kafka"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OperatorReportsTests",
            dependencies: ["OperatorReports", "RAGCore", .product(name: "Configuration", package: "swift-configuration")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IngestWorkerTests",
            dependencies: ["RaglineTestSupport", "IngestWorker", "LocalProviders", "RAGCore", "Messaging", "Kafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "RaglineTestSupport", "Gateway", "Messaging", "RAGCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Separate OS processes: `ragline broker` plus each role. Serialized, with time limits.
        .testTarget(
            name: "MultiProcessTests",
            dependencies: [
                "RaglineTestSupport", "Kafka", "RAGCore", "Gateway", "Messaging",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "LocalProviders", .product(name: "Logging", package: "swift-log"), "RaglineApp",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "RaglineTestSupport", "RaglineApp", "AWS",
                .product(name: "Configuration", package: "swift-configuration"), "Kafka", "RAGCore", "LocalProviders", "Messaging",
                "Gateway", "Retriever", "Responder", "IngestWorker", "OperatorReports",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
