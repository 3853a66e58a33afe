import Foundation
import Kafka
import LocalProviders
import Logging
import RAGCore
import RaglineApp
import RaglineTestSupport
import Testing

/// Distributed tracing with each role in its own OS process: one `POST /v1/chat` is one trace, from the
/// gateway's server span over Kafka to the retriever and the responder, exported over OTLP/HTTP (JSON) to
/// a receiver in the test process.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct TracingTests {
    @Test func aChatQuestionIsOneTraceAcrossTheRoles() async throws {
        let receiver = OTLPReceiver()
        let directory = try TemporaryDirectory("ragline-tracing")
        let dataDirectory = directory.appending("data")
        let configuration = {
            var configuration = RaglineConfiguration()
            configuration.dataDirectory = dataDirectory
            return configuration
        }()
        let gatewayPort = freePort()
        let processes = LockedBox<[RaglineProcess]>([])

        try await withAsyncCleanup({
            // SIGTERM: each role shuts its services down and the tracing service, last, flushes its spans.
            for process in processes.value.reversed() { await process.terminate(timeout: .seconds(10)) }
            await receiver.stop()
            directory.remove()
        }) {
            let collector = try await receiver.start()
            try LocalKnowledgeSource.seed(from: (repositoryRoot as NSString).appendingPathComponent("examples/knowledge"), into: configuration.knowledgeDirectory, logger: Logger(label: "test"))
            func environment(adminPort: Int) -> [String: String] {
                [
                    "RAGLINE_DATA_DIR": dataDirectory, "RAGLINE_PORT": String(gatewayPort), "RAGLINE_ADMIN_PORT": String(adminPort),
                    "RAGLINE_LOG_LEVEL": "info", "RAGLINE_HOST": "127.0.0.1",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": collector,
                    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                    "OTEL_BSP_SCHEDULE_DELAY": "200",
                    "OTEL_TRACES_SAMPLER": "parentbased_always_on",
                    "OTEL_PROPAGATORS": "tracecontext",
                    // Left to swift-otel, "false" would switch its logs and metrics on as well, and their second
                    // bootstrap (after Ragline's own) would stop the process: Telemetry must keep them off.
                    "OTEL_SDK_DISABLED": "false",
                ]
            }
            func launch(_ name: String, _ arguments: [String]) throws -> RaglineProcess {
                let process = try RaglineProcess(name: name, arguments: arguments, environment: environment(adminPort: freePort()), logDirectory: directory.path)
                processes.withLock { $0.append(process) }
                return process
            }

            let broker = try launch("broker", ["broker"])
            try await waitUntil("broker address file", timeout: .seconds(20)) { FileManager.default.fileExists(atPath: configuration.brokerAddressFile) }
            let brokers = try RaglineRuntime.brokers(configuration)

            _ = try launch("ingest-worker", ["ingest-worker"])
            _ = try launch("retriever", ["retriever"])
            _ = try launch("responder", ["responder"])
            _ = try launch("gateway", ["gateway"])
            let http = TestHTTP(baseURL: "http://127.0.0.1:\(gatewayPort)")
            try await waitUntil("gateway /readyz", timeout: .seconds(60)) { (try? await http.get("/readyz").status) == 200 }

            // Knowledge arrives as S3 notifications on the topic, as from S3 -> SQS or MinIO -> Kafka.
            try await DemoKnowledgeEvents.publishAndWaitUntilIndexed(brokers: brokers, indexDirectory: configuration.indexDirectory)

            let reply = try await http.post("/v1/chat", json: ["question": "What happens if my train is delayed?"])
            try #require(reply.status == 200, "\(reply.text)")
            let answered = reply.json["status"] as? String == "answered"

            do {
                try await waitUntil("the chat request's spans from the gateway, retriever and responder", timeout: .seconds(30), interval: .milliseconds(200)) {
                    ChatTrace(receiver.spans)?.isComplete(expectingGeneration: answered) ?? false
                }
            } catch {
                let received = receiver.spans.map(\.description).joined(separator: "\n")
                Issue.record("\(error); rejected: \(receiver.rejections); received:\n\(received)")
                throw error
            }
            let trace = try #require(ChatTrace(receiver.spans))

            // One trace id for the request and every stage's spans (ChatTrace keeps the spans of the server
            // span's trace only), sent by three processes.
            let server = trace.server
            #expect(server.parentSpanID == nil, "the request came without a traceparent: \(server)")
            let questionPublish = try #require(trace.span("ragline-gateway", "\(Topics.questions) publish", .producer))
            let retrieverProcess = try #require(trace.span("ragline-retriever", "\(Topics.questions) process", .consumer))
            let retrievalPublish = try #require(trace.span("ragline-retriever", "\(Topics.retrievals) publish", .producer))
            let responderProcess = try #require(trace.span("ragline-responder", "\(Topics.retrievals) process", .consumer))
            let answerPublish = try #require(trace.span("ragline-responder", "\(Topics.answers) publish", .producer))
            for span in [questionPublish, retrieverProcess, retrievalPublish, responderProcess, answerPublish] {
                #expect(span.traceID == server.traceID, "\(span)")
            }
            #expect(Set([server.serviceName, retrieverProcess.serviceName, responderProcess.serviceName]) == ["ragline-gateway", "ragline-retriever", "ragline-responder"])

            // Parent links: the publish is a child of the request; each consumer span is a child of the producer
            // span whose context travelled in the record's traceparent header.
            #expect(questionPublish.parentSpanID == server.spanID)
            #expect(retrieverProcess.parentSpanID == questionPublish.spanID)
            #expect(trace.ancestry(of: retrieverProcess).contains(questionPublish.spanID))
            #expect(trace.ancestry(of: retrievalPublish).contains(retrieverProcess.spanID))
            #expect(responderProcess.parentSpanID == retrievalPublish.spanID)
            #expect(trace.ancestry(of: responderProcess).contains(server.spanID))
            #expect(trace.ancestry(of: answerPublish).contains(responderProcess.spanID))

            // The work inside the roles.
            for name in ["embed", "search", "select answer"] {
                let span = try #require(trace.span("ragline-retriever", name, .internal), "no \(name) span")
                #expect(trace.ancestry(of: span).contains(retrieverProcess.spanID), "\(span)")
            }
            if answered {
                let generate = try #require(trace.span("ragline-responder", "generate", .internal))
                #expect(generate.parentSpanID == responderProcess.spanID)
                #expect(generate.attributes["gen_ai.request.model"]?.isEmpty == false, "\(generate.attributes)")
            }
            #expect(retrieverProcess.attributes["messaging.system"] == "kafka")
            #expect(retrieverProcess.attributes["messaging.destination.name"] == Topics.questions)
            #expect(receiver.rejections.isEmpty, "\(receiver.rejections)")

            // SIGTERM drains, flushes and exits 0.
            for process in processes.value.reversed() where process.isRunning && process !== broker {
                let status = await process.terminate()
                #expect(status == 0, "\(process.name) exited with \(String(describing: status)):\n\(process.log.suffix(2000))")
            }
        }
    }
}

/// The spans of the trace of the gateway's `POST /v1/chat` server span.
struct ChatTrace {
    typealias ReceivedSpan = OTLPReceiver.ReceivedSpan

    let server: ReceivedSpan
    /// Every received span of that trace.
    let spans: [ReceivedSpan]

    init?(_ received: [ReceivedSpan]) {
        guard let server = received.first(where: { $0.serviceName == "ragline-gateway" && $0.kind == .server && $0.attributes["url.path"] == "/v1/chat" }) else {
            return nil
        }
        self.server = server
        spans = received.filter { $0.traceID == server.traceID }
    }

    func span(_ service: String, _ name: String, _ kind: ReceivedSpan.Kind) -> ReceivedSpan? {
        spans.first { $0.serviceName == service && $0.name == name && $0.kind == kind }
    }

    /// Whether the spans of every hop have arrived.
    func isComplete(expectingGeneration: Bool) -> Bool {
        var required: [(service: String, name: String, kind: ReceivedSpan.Kind)] = [
            ("ragline-gateway", "\(Topics.questions) publish", .producer),
            ("ragline-retriever", "\(Topics.questions) process", .consumer),
            ("ragline-retriever", "embed", .internal),
            ("ragline-retriever", "search", .internal),
            ("ragline-retriever", "select answer", .internal),
            ("ragline-retriever", "\(Topics.retrievals) publish", .producer),
            ("ragline-responder", "\(Topics.retrievals) process", .consumer),
            ("ragline-responder", "\(Topics.answers) publish", .producer),
        ]
        if expectingGeneration { required.append(("ragline-responder", "generate", .internal)) }
        return required.allSatisfy { span($0.service, $0.name, $0.kind) != nil }
    }

    /// The span ids from `span`'s parent up to the root, as far as the received spans link.
    func ancestry(of span: ReceivedSpan) -> [String] {
        let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
        var ids: [String] = []
        var parent = span.parentSpanID
        while let id = parent, !ids.contains(id) {
            ids.append(id)
            parent = byID[id]?.parentSpanID
        }
        return ids
    }
}
