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

/// `POST /v1/questions/{id}/feedback`: a rating of an answer this gateway knows goes to `rag.feedback`,
/// keyed by question id, with the answer's status and references; bad input is a 4xx JSON error.
@Suite struct FeedbackTests {
    @Test func ratingsArePublishedWithTheAnswersReferences() async throws {
        let bus = InMemoryBus()
        let store = AnswerStore(capacity: 10)
        let readiness = Readiness()
        let service = GatewayService(
            configuration: GatewayConfiguration(), publisher: EventPublisher(producer: bus, source: "/test"), store: store,
            answers: bus.stream(topics: [Topics.answers]), callbacks: bus.stream(topics: [Topics.answers]),
            callbackSigner: CallbackSigner(secret: "test"), readiness: readiness, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test")
        )
        readiness.markReady()
        let answered = "11111111-2222-3333-4444-555555555555"
        let pending = "66666666-2222-3333-4444-555555555555"
        store.record(AnswerReady(
            id: answered, status: .answered, answer: "Yes.", references: [AnswerReference(id: "transport-005", question: "Can I bring my bicycle on board?")],
            model: "extractive", askedAt: Date(), answeredAt: Date(), callbackURL: nil, timings: StageTimings()
        ))
        store.recordPending(pending)
        let app = Application(router: service.makeRouter())
        let json: HTTPFields = [.contentType: "application/json"]
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/questions/\(answered)/feedback", method: .post, headers: json, body: ByteBuffer(string: #"{"rating":"down","comment":"Bikes need a reservation?"}"#)) { response in
                #expect(response.status == .accepted)
                #expect(String(buffer: response.body).contains(#""status":"accepted""#))
            }
            for (path, body, status, code) in [
                ("/v1/questions/\(answered)/feedback", #"{"rating":"meh"}"#, HTTPResponse.Status.badRequest, "invalid_request"),
                ("/v1/questions/\(answered)/feedback", #"{"comment":"no rating"}"#, .badRequest, "invalid_request"),
                ("/v1/questions/\(answered)/feedback", #"{"rating":"up","comment":7}"#, .badRequest, "invalid_request"),
                ("/v1/questions/\(answered)/feedback", #"{"rating":"up","comment":"\#(String(repeating: "x", count: 2_001))"}"#, .contentTooLarge, "comment_too_long"),
                ("/v1/questions/\(answered)/feedback", "not json", .badRequest, "invalid_request"),
                ("/v1/questions/\(pending)/feedback", #"{"rating":"up"}"#, .conflict, "not_answered"),
                ("/v1/questions/77777777-2222-3333-4444-555555555555/feedback", #"{"rating":"up"}"#, .notFound, "not_found"),
                ("/v1/questions/not-an-id!/feedback", #"{"rating":"up"}"#, .badRequest, "invalid_request"),
            ] {
                try await client.execute(uri: path, method: .post, headers: json, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(path) \(body.prefix(40))")
                    #expect(String(buffer: response.body).contains(#""code":"\#(code)""#), "\(String(buffer: response.body))")
                }
            }
        }
        let records = bus.records(in: [Topics.feedback])
        #expect(records.count == 1)
        let given = try EventCoding.decode(FeedbackGiven.self, from: try #require(records.first).value)
        #expect(records.first?.keyString == answered)
        #expect(given.rating == .down && given.comment == "Bikes need a reservation?" && given.status == .answered)
        #expect(given.references.map(\.id) == ["transport-005"])
        #expect(records.first?.header("ce_type") == EventTypes.feedbackGiven)
    }
}
