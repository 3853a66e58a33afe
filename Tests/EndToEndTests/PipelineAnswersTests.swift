import Foundation
import RaglineTestSupport
import Testing

/// All four services over the mock cluster, in one process: demo knowledge in, questions answered.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PipelineAnswersTests {
    @Test func demoQuestionsAreAnsweredFromTheirEntries() async throws {
        let pipeline = try PipelineHarness()
        let base = try #require(try await pipeline.start())
        try await withAsyncCleanup({ await pipeline.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)
            let http = TestHTTP(baseURL: base)

            let expectations = [
                ("How can I buy a train ticket?", "transport-001", "You can purchase tickets online, at station kiosks, or via our mobile app."),
                ("How can I buy a ticket without using the station kiosk?", "transport-001", "You can purchase tickets online, at station kiosks, or via our mobile app."),
                ("Is it possible to change my travel plans shortly before departure?", "transport-002", "Yes, changes can be made up to 2 hours before departure, subject to availability."),
                ("What should I do if my train arrives more than an hour late?", "transport-009", "If your train is delayed by more than 60 minutes, you may request a refund or travel on the next available train."),
                ("How do I request my medical records?", "health-003", "You can request records online or at the reception desk. Processing takes up to 3 business days."),
            ]
            for (question, expectedID, expectedAnswer) in expectations {
                let reply = try await http.post("/v1/chat", json: ["question": question])
                #expect(reply.status == 200, "\(question): \(reply.text)")
                let json = reply.json
                let references = json["references"] as? [[String: Any]] ?? []
                #expect(references.first?["id"] as? String == expectedID, "\(question): \(reply.text)")
                #expect(references.first?["question"] is String)
                #expect(json["answer"] as? String == expectedAnswer)
                #expect(json["status"] as? String == "answered")
                #expect(json["id"] is String)
                let timings = json["timings"] as? [String: Any] ?? [:]
                #expect(timings["pipeline_ms"] is Double && timings["embedding_ms"] is Double && timings["generation_ms"] is Double)
            }
        }
    }

    @Test func namespaceRestrictsTheSearchAndUnrelatedQuestionsGetNoMatch() async throws {
        let pipeline = try PipelineHarness()
        let base = try #require(try await pipeline.start())
        try await withAsyncCleanup({ await pipeline.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)
            let http = TestHTTP(baseURL: base)

            let scoped = try await http.post("/v1/chat", json: ["question": "How can I track my order?", "namespace": "retail", "top_k": 2])
            let references = scoped.json["references"] as? [[String: Any]] ?? []
            #expect(references.first?["id"] as? String == "retail-003")

            let unrelated = try await http.post("/v1/chat", json: ["question": "Quantum chromodynamics lattice gauge simulation?"])
            #expect(unrelated.status == 200)
            #expect(unrelated.json["status"] as? String == "no_match")
            #expect((unrelated.json["references"] as? [Any])?.isEmpty == true)
            #expect((unrelated.json["answer"] as? String)?.isEmpty == false)
        }
    }

    @Test func malformedRequestsGetClearClientErrors() async throws {
        let pipeline = try PipelineHarness(seedDemoKnowledge: false)
        let base = try #require(try await pipeline.start())
        try await withAsyncCleanup({ await pipeline.stop() }) {
            let http = TestHTTP(baseURL: base)

            let cases: [(Data, Int, String)] = [
                (Data("{not json".utf8), 400, "not valid JSON"),
                (Data("[1,2]".utf8), 400, "must be a JSON object"),
                (Data("{}".utf8), 400, "\"question\" is required"),
                (Data(#"{"question": 42}"#.utf8), 400, "must be a string"),
                (Data(#"{"question": "   "}"#.utf8), 400, "is empty"),
                (Data(#"{"question": "hi", "top_k": 0}"#.utf8), 400, "top_k"),
                (Data(#"{"question": "hi", "namespace": "../etc"}"#.utf8), 400, "namespace"),
                (Data(#"{"question": "hi", "callback_url": "http://x.example/"}"#.utf8), 400, "only accepted by POST /v1/questions"),
                (Data(#"{"question": "\#(String(repeating: "a", count: 2_001))"}"#.utf8), 413, "limit is 2000"),
                (Data(#"{"question": "\#(String(repeating: "a", count: 70_000))"}"#.utf8), 413, "exceeds"),
            ]
            for (body, status, reason) in cases {
                let reply = try await http.post("/v1/chat", raw: body)
                #expect(reply.status == status, "\(reply.text)")
                let error = reply.json["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.contains(reason) == true, "expected \(reason) in \(reply.text)")
                #expect(error?["code"] is String)
            }
            let wrongType = try await http.post("/v1/chat", raw: Data("question=hi".utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(wrongType.status == 415)
            let loopbackCallback = try await http.post("/v1/questions", json: ["question": "hi", "callback_url": "http://127.0.0.1:9/hook"])
            #expect(loopbackCallback.status == 422)
            let unknown = try await http.get("/v1/questions/0123abcd-0000-0000-0000-000000000000")
            #expect(unknown.status == 404)
            let health = try await http.get("/healthz")
            #expect(health.status == 200)
            let ready = try await http.get("/readyz")
            #expect(ready.status == 200)
            let metrics = try await http.get("/metrics")
            #expect(metrics.status == 200)
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(2)))
struct DeadlineTests {
    @Test func chatWithoutARunningRetrieverTimesOutWith504AndTheID() async throws {
        let pipeline = try PipelineHarness(seedDemoKnowledge: false) { configuration in
            configuration.gateway.chatTimeout = .seconds(1)
        }
        let base = try #require(try await pipeline.start(roles: [.gateway], localKnowledgeEvents: false))
        try await withAsyncCleanup({ await pipeline.stop() }) {
            let http = TestHTTP(baseURL: base)
            let reply = try await http.post("/v1/chat", json: ["question": "Is anybody there?"])
            #expect(reply.status == 504)
            let id = try #require(reply.json["id"] as? String)
            #expect((reply.json["error"] as? [String: Any])?["code"] as? String == "deadline_exceeded")
            // The question was accepted: polling says it is pending.
            #expect(try await http.get("/v1/questions/\(id)").json["status"] as? String == "pending")
        }
    }
}

/// `RAGLINE_CHAT_MODEL=openai`: the Responder asks an OpenAI-compatible server (a local one that follows
/// the contract) and the answer keeps its references.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HostedModelPipelineTests {
    @Test func answersComeFromTheChatServerWithReferences() async throws {
        let server = FakeOpenAIServer()
        try await server.start()
        let pipeline = try PipelineHarness { configuration in server.configureChatModel(&configuration) }
        let base = try #require(try await pipeline.start())
        try await withAsyncCleanup({ await pipeline.stop(); await server.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)
            server.enqueue(.status(429, body: #"{"error":"slow down"}"#, headers: ["Retry-After": "0.2"]), .answer("A delay of over an hour entitles you to a refund."))
            let reply = try await TestHTTP(baseURL: base).post("/v1/chat", json: ["question": "What should I do if my train arrives more than an hour late?"])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["answer"] as? String == "A delay of over an hour entitles you to a refund.")
            #expect(reply.json["model"] as? String == "test/model")
            #expect((reply.json["references"] as? [[String: Any]])?.first?["id"] as? String == "transport-009")
            #expect((reply.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 7)
            #expect(server.requests.count == 2, "the 429 was retried")
        }
    }
}
