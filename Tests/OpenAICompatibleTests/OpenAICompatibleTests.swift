import Foundation
import Messaging
import OpenAICompatible
import RAGCore
import RaglineTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct OpenAICompatibleChatModelTests {
    let matches = [
        RetrievedMatch(id: "transport-009", namespace: "transport", score: 0.62, question: "What happens if my train is delayed?", answer: "Refund after 60 minutes.", context: "", source: "k"),
        RetrievedMatch(id: "retail-001", namespace: "retail", score: 0.2, question: "What is your return policy?", answer: "30 days.", context: "", source: "k"),
    ]

    func model(_ server: FakeOpenAIServer, stream: Bool = false, key: String? = "test-key", timeout: Duration = .seconds(5)) -> OpenAICompatibleChatModel {
        var configuration = OpenAICompatibleConfiguration()
        configuration.baseURL = server.baseURL
        configuration.model = "meta-llama/Llama-3.1-8B-Instruct:fastest"
        configuration.apiKey = key
        configuration.stream = stream
        configuration.timeout = timeout
        return OpenAICompatibleChatModel(configuration: configuration)
    }

    func request(_ question: String = "My train is late, what now?") -> ChatRequest {
        ChatRequest(question: question, matches: matches, messages: PromptBuilder.messages(question: question, matches: matches))
    }

    func withServer(_ body: (FakeOpenAIServer) async throws -> Void) async throws {
        let server = FakeOpenAIServer()
        try await server.start()
        try await withAsyncCleanup({ await server.stop() }) { try await body(server) }
    }

    /// The selector has already chosen what to ground on; the model sees those entries and cites them.
    @Test func wholeAnswerIsGroundedInTheSelectedEntries() async throws {
        try await withServer { server in
            server.enqueue(.answer("  You may ask for a refund.  "))
            let response = try await model(server).respond(to: request())
            #expect(response.status == .answered)
            #expect(response.text == "You may ask for a refund.")
            #expect(response.references.map(\.id) == ["transport-009", "retail-001"])
            #expect(response.usage == TokenUsage(promptTokens: 42, completionTokens: 7))
            let sent = try #require(server.requests.first)
            let messages = sent["messages"] as? [[String: Any]] ?? []
            #expect(messages.first?["content"] as? String == PromptBuilder.systemInstruction)
            let user = messages.last?["content"] as? String ?? ""
            #expect(user.hasPrefix("Customer question:\nMy train is late, what now?\nRelevant knowledge base entries:"))
            #expect(user.contains("transport-009") && user.contains("retail-001"), "every selected entry is sent")
            #expect(sent["max_tokens"] as? Int == 512)
            #expect(sent["model"] as? String == "meta-llama/Llama-3.1-8B-Instruct:fastest")
        }
    }

    @Test(arguments: [1, 2, 3, 7], ["\n", "\r\n"])
    func streamedAnswerSurvivesAwkwardChunkBoundaries(chunkBytes: Int, lineEnding: String) async throws {
        try await withServer { server in
            let pieces = ["Oui, le ", "café ☕ est ", "servi à bord 🚆", " — jusqu'à 22 h."]
            server.enqueue(.stream(pieces, chunkBytes: chunkBytes, lineEnding: lineEnding))
            let response = try await model(server, stream: true).respond(to: request())
            #expect(response.text == pieces.joined().trimmingCharacters(in: .whitespaces))
            #expect(response.usage == TokenUsage(promptTokens: 40, completionTokens: 4))
            #expect(server.requests.first?["stream"] as? Bool == true)
        }
    }

    /// With LLM_STREAM the provider's pieces reach `onText` one by one, as the Responder streams them.
    @Test func streamedPiecesAreForwardedAsTheyArrive() async throws {
        try await withServer { server in
            let pieces = ["Folding bikes ", "travel free; ", "others need a reservation."]
            server.enqueue(.stream(pieces, chunkBytes: 64))
            let forwarded = LockedBox<[String]>([])
            let response = try await model(server, stream: true).respond(to: request()) { piece in forwarded.withLock { $0.append(piece) } }
            #expect(forwarded.value == pieces)
            #expect(response.text == pieces.joined().trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func unauthorizedIsPermanentAndNamesTheSetting() async throws {
        try await withServer { server in
            await #expect {
                _ = try await model(server, key: "wrong").respond(to: request())
            } throws: { error in
                guard let error = error as? ProviderError else { return false }
                return !error.isRetriable && error.message.contains("HTTP 401") && error.message.contains("LLM_API_KEY")
            }
        }
    }

    @Test func rateLimitAndModelLoadingAreRetriedHonouringTheServersDelay() async throws {
        try await withServer { server in
            server.enqueue(
                .status(429, body: #"{"error":"Rate limit reached"}"#, headers: ["Retry-After": "1"]),
                .status(503, body: #"{"error":"Model is currently loading","estimated_time":0.3}"#),
                .answer("Finally.")
            )
            let chat = model(server)
            let start = ContinuousClock.now
            let response = try await RetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(10)).runProviderCall(deadline: Date().addingTimeInterval(30)) {
                try await chat.respond(to: request())
            }
            #expect(response.text == "Finally.")
            #expect(ContinuousClock.now - start >= .milliseconds(1300), "waited for Retry-After and estimated_time")
            #expect(server.requests.count == 3)
        }
    }

    @Test func serverErrorsMalformedBodiesAndTimeoutsAreRetriableFailures() async throws {
        try await withServer { server in
            server.enqueue(.status(500, body: #"{"object":"error","message":"engine crashed"}"#), .malformed, .slow(.seconds(3)), .status(400, body: #"{"error":{"message":"bad"}}"#))
            let chat = model(server, timeout: .milliseconds(500))
            for expectedRetriable in [true, true, true, false] {
                do {
                    _ = try await chat.respond(to: request())
                    Issue.record("expected a failure")
                } catch let error as ProviderError {
                    #expect(error.isRetriable == expectedRetriable, "\(error)")
                }
            }
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct OpenAICompatibleEmbedderTests {
    @Test(arguments: [OpenAICompatibleEmbedder.API.openAI, .huggingFaceFeatureExtraction])
    func vectorsComeBackInOrderAndNormalised(api: OpenAICompatibleEmbedder.API) async throws {
        let server = FakeOpenAIServer()
        try await server.start()
        try await withAsyncCleanup({ await server.stop() }) {
            let url = api == .openAI ? server.baseURL + "/embeddings" : server.baseURL.replacingOccurrences(of: "/v1", with: "/hf/feature-extraction")
            let embedder = OpenAICompatibleEmbedder(api: api, url: url, model: "text-embedding-3-small", dimensions: 3, apiKey: "test-key", batchSize: 2, apiKeySettingName: "EMBEDDINGS_API_KEY")
            let vectors = try await embedder.embed(["abc", "a", "abcd"], kind: .passage)
            #expect(vectors.count == 3)
            // (3,1,0), (1,2,0) from the first batch; (4,1,0) from the second, each normalised.
            #expect(abs(vectors[0][0] - 3 / Float(10).squareRoot()) < 1e-6)
            #expect(abs(vectors[1][1] - 2 / Float(5).squareRoot()) < 1e-6)
            #expect(abs(vectors[2][0] - 4 / Float(17).squareRoot()) < 1e-6)
            #expect(server.requests.count == 2)

            let wrongSize = OpenAICompatibleEmbedder(api: api, url: url, model: "m", dimensions: 384, apiKey: "test-key", apiKeySettingName: "EMBEDDINGS_API_KEY")
            await #expect(throws: ProviderError.self) { _ = try await wrongSize.embed(["x"], kind: .query) }
        }
    }
}
