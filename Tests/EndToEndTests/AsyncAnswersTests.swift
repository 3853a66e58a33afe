import Foundation
import Gateway
import Messaging
import RAGCore
import RaglineApp
import RaglineTestSupport
import Testing

/// `POST /v1/questions`: signed callbacks to a local receiver, and polling from another gateway instance.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct AsyncAnswersTests {
    let secret = "test-callback-secret"

    @Test func callbackIsSignedAndRetriedUntilDelivered() async throws {
        let receiver = CallbackReceiver(failFirst: 1)
        let hook = try await receiver.start()
        let pipeline = try PipelineHarness { configuration in
            configuration.gateway.callbackSecret = secret
            configuration.gateway.callbackAllowedHosts = ["127.0.0.1"]
        }
        let base = try #require(try await pipeline.start())
        try await withAsyncCleanup({ await pipeline.stop(); await receiver.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)
            let http = TestHTTP(baseURL: base)

            let accepted = try await http.post("/v1/questions", json: ["question": "Can I bring my bicycle on board?", "callback_url": hook])
            #expect(accepted.status == 202)
            let id = try #require(accepted.json["id"] as? String)
            #expect(accepted.json["status_url"] as? String == "/v1/questions/\(id)")

            try await waitUntil("a delivered callback") { receiver.all.count >= 2 }
            let delivered = receiver.all[1]
            #expect(delivered.headers["webhook-id"] == id)
            let timestamp = try #require(delivered.headers["webhook-timestamp"].flatMap(Int.init))
            let signature = try #require(delivered.headers["webhook-signature"])
            #expect(CallbackSigner(secret: secret).verify(id: id, timestamp: timestamp, body: delivered.body, signatureHeader: signature))
            #expect(!CallbackSigner(secret: "wrong").verify(id: id, timestamp: timestamp, body: delivered.body, signatureHeader: signature))
            let body = try JSONSerialization.jsonObject(with: delivered.body) as? [String: Any]
            #expect(body?["id"] as? String == id)
            #expect((body?["references"] as? [[String: Any]])?.first?["id"] as? String == "transport-005")
        }
    }

    @Test func anotherGatewayInstanceAnswersThePoll() async throws {
        let pipeline = try PipelineHarness()
        let first = try #require(try await pipeline.start())
        let second = try #require(try await pipeline.start(roles: [.gateway], localKnowledgeEvents: false) { configuration in
            configuration.gateway.instanceID = "second-\(UUID().uuidString.prefix(6))"
        })
        try await withAsyncCleanup({ await pipeline.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)

            let accepted = try await TestHTTP(baseURL: first).post("/v1/questions", json: ["question": "Do children travel for free?"])
            #expect(accepted.status == 202)
            let id = try #require(accepted.json["id"] as? String)
            let poller = TestHTTP(baseURL: second)
            try await waitUntil("the second gateway to have the answer") {
                try await poller.get("/v1/questions/\(id)").json["status"] as? String == "answered"
            }
            let answered = try await poller.get("/v1/questions/\(id)").json
            #expect((answered["references"] as? [[String: Any]])?.first?["id"] as? String == "transport-007")
        }
    }
}
