import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import Messaging
import Prometheus
import RAGCore
import RaglineTestSupport
import Testing

/// Request handling in-process, on the in-memory bus (these requests are refused before publishing).
@Suite struct GatewayRouterTests {
    func makeRouter(apiKeys: Set<String> = []) throws -> Router<BasicRequestContext> {
        var configuration = GatewayConfiguration()
        configuration.apiKeys = apiKeys
        return Self.router(configuration: configuration)
    }

    /// The gateway's router on an in-memory bus. `readiness` starts out `.starting`, so a question that
    /// passes validation is refused with 503 `not_ready`; mark it ready to have questions published on `bus`.
    static func router(
        configuration: GatewayConfiguration = GatewayConfiguration(), readiness: Readiness = Readiness(), bus: InMemoryBus = InMemoryBus()
    ) -> Router<BasicRequestContext> {
        let service = GatewayService(
            configuration: configuration, publisher: EventPublisher(producer: bus, source: "/test"), store: AnswerStore(capacity: 10),
            answers: bus.stream(topics: [Topics.questions, Topics.answers]), callbacks: bus.stream(topics: [Topics.answers]),
            callbackSigner: CallbackSigner(secret: "test"), readiness: readiness, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test")
        )
        return service.makeRouter()
    }

    @Test func apiKeysAreRequiredWhenConfigured() async throws {
        let app = Application(router: try makeRouter(apiKeys: ["k1"]))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/chat", method: .post, body: ByteBuffer(string: #"{"question":"q"}"#)) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("Bearer"))
            }
            try await client.execute(uri: "/v1/chat", method: .post, headers: [.authorization: "Bearer k1"], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func notReadyGatewayRefusesQuestionsWith503() async throws {
        let app = Application(router: try makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/questions", method: .post, body: ByteBuffer(string: #"{"question":"hello"}"#)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("not_ready"))
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/v1/questions/not-an-id!", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    /// A stream whose question gets no answer by the chat deadline ends, like every stream, with an `answer`
    /// event: status `expired`, after empty references.
    @Test func aStreamWhoseQuestionExpiresEndsWithAnExpiredAnswer() async throws {
        var configuration = GatewayConfiguration()
        configuration.chatTimeout = .milliseconds(300)
        let readiness = Readiness()
        readiness.markReady()
        let app = Application(router: Self.router(configuration: configuration, readiness: readiness))
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"question":"Will anyone answer?","stream":true}"#)
            try await client.execute(uri: "/v1/chat", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let text = String(buffer: response.body)
                let names = text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { $0.dropFirst(7) }
                #expect(names == ["references", "answer"], "\(text)")
                #expect(text.contains(#""status":"expired""#), "\(text)")
            }
        }
    }
}
