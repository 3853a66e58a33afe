import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import Messaging
import Prometheus
import RAGCore
import Testing

/// Request handling in-process (no Kafka traffic: these requests are refused before publishing).
@Suite struct GatewayRouterTests {
    func makeRouter(apiKeys: Set<String> = []) throws -> Router<BasicRequestContext> {
        let logger = Logger(label: "test")
        let client = KafkaClientConfiguration(bootstrapServers: "127.0.0.1:1")
        var configuration = GatewayConfiguration()
        configuration.apiKeys = apiKeys
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "unused"), topics: [Topics.answers], logger: logger)
        let store = AnswerStore(capacity: 10)
        let service = GatewayService(
            configuration: configuration,
            publisher: EventPublisher(producer: try KafkaProducer(configuration: .init(client: client), logger: logger), source: "/test"),
            store: store, listener: AnswerListener(consumer: consumer, store: store, logger: logger),
            readiness: Readiness(), registry: PrometheusCollectorRegistry(), logger: logger
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
}
