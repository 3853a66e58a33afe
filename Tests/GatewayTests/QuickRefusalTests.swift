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

/// With Kafka unavailable the gateway refuses at once (503 `queue_unavailable`, `Retry-After`) instead of
/// holding the client, and `/readyz` says so until the broker is back.
@Suite(.timeLimit(.minutes(1))) struct QuickRefusalTests {
    struct Gateway {
        let bus = InMemoryBus()
        let readiness = Readiness()
        let router: Router<BasicRequestContext>

        init(publishTimeout: Duration = .milliseconds(300)) {
            var configuration = GatewayConfiguration()
            configuration.publishTimeout = publishTimeout
            configuration.chatTimeout = .seconds(60)
            let service = GatewayService(
                configuration: configuration, publisher: EventPublisher(producer: bus, source: "/test"), store: AnswerStore(capacity: 10),
                answers: bus.stream(topics: [Topics.questions, Topics.answers]), callbacks: bus.stream(topics: [Topics.answers]),
                callbackSigner: CallbackSigner(secret: "test"), readiness: readiness, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test")
            )
            readiness.markReady()
            router = service.makeRouter()
        }
    }

    @Test func anUnreachableBrokerIsRefusedAtOnceAndReported() async throws {
        let gateway = Gateway()
        let bus = gateway.bus
        let app = Application(router: gateway.router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            bus.freeze()
            let started = ContinuousClock.now
            for path in ["/v1/questions", "/v1/chat"] {
                try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"question":"Can I bring my bike?"}"#)) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(String(buffer: response.body).contains("queue_unavailable"))
                }
            }
            #expect(ContinuousClock.now - started < .seconds(20), "refusals must not wait for the broker (chat deadline 60 s)")
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"status":"unavailable","unavailable":["kafka"]}"#)
            }
            bus.resume()
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/questions", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"question":"Can I bring my bike?"}"#)) {
                #expect($0.status == .accepted)
            }
        }
        #expect(gateway.bus.records(in: [Topics.questions]).count >= 1)
    }

    /// A broker that takes the question but does not acknowledge it (frozen, not yet noticed) holds a
    /// request for the publish timeout at most, `/v1/chat` included.
    @Test func anUnacknowledgedQuestionIsRefusedAfterThePublishTimeout() async throws {
        let gateway = Gateway(publishTimeout: .milliseconds(300))
        let bus = gateway.bus
        let app = Application(router: gateway.router)
        try await app.test(.router) { client in
            bus.freeze(noticed: false)
            for path in ["/v1/questions", "/v1/chat"] {
                let started = ContinuousClock.now
                try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"question":"Can I bring my bike?"}"#)) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(String(buffer: response.body).contains("queue_unavailable"))
                }
                let held = ContinuousClock.now - started
                // Refused at the publish timeout, not held for the chat deadline (60 s) or forever. The bound
                // is loose because other suites load the machine's two cores while this runs.
                #expect(held >= .milliseconds(250) && held < .seconds(20), "\(path) held \(held)")
            }
            bus.resume()
        }
    }
}
