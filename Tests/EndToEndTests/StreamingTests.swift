import Foundation
import RAGCore
import RaglineTestSupport
import Testing

/// `POST /v1/chat` as server-sent events through every role: the references, the text as deltas that
/// travel through `rag.answer.deltas`, then the whole answer.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct StreamingTests {
    /// The events of a stream body, in order, with their JSON data.
    static func events(_ text: String) -> [(name: String, data: [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let name = lines.first(where: { $0.hasPrefix("event: ") })?.dropFirst("event: ".count),
                  let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst("data: ".count),
                  let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
            else { return nil }
            return (String(name), object)
        }
    }

    @Test func aStreamedAnswerIsReferencesThenDeltasThenTheAnswer() async throws {
        let pipeline = try PipelineHarness()
        let base = try #require(try await pipeline.start())
        let deltas = try TopicReader(brokers: pipeline.brokers, topics: [Topics.answerDeltas])
        try await withAsyncCleanup({ await deltas.stop(); await pipeline.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)
            let http = TestHTTP(baseURL: base)

            let reply = try await http.post("/v1/chat", json: ["question": "How can I buy a train ticket?", "stream": true])
            #expect(reply.status == 200)
            #expect(reply.headers.contains { $0.0.lowercased() == "content-type" && $0.1 == "text/event-stream" })
            let events = Self.events(reply.text)
            #expect(events.map(\.name).first == "references", "\(reply.text)")
            #expect(events.map(\.name).last == "answer", "\(reply.text)")
            #expect(events.contains { $0.name == "delta" })
            let references = events.first?.data["references"] as? [[String: Any]] ?? []
            #expect(references.first?["id"] as? String == "transport-001")
            let streamed = events.filter { $0.name == "delta" }.compactMap { $0.data["text"] as? String }.joined()
            let answer = try #require(events.last?.data)
            #expect(streamed == answer["answer"] as? String)
            #expect(answer["answer"] as? String == "You can purchase tickets online, at station kiosks, or via our mobile app.")
            #expect(answer["status"] as? String == "answered")
            // The pieces travelled through Kafka: the responder's deltas, keyed by question id, in sequence.
            let id = try #require(answer["id"] as? String)
            try await waitUntil("the question's deltas on rag.answer.deltas") { deltas.all.filter { $0.keyString == id }.count >= 2 }
            let published = try deltas.all.filter { $0.keyString == id }.map { try EventCoding.decode(AnswerDelta.self, from: $0.value) }
            #expect(published.map(\.sequence) == Array(0..<published.count))
            #expect(published.first?.kind == .references && published.dropFirst().allSatisfy { $0.kind == .text })

            // Accept: text/event-stream asks for a stream too; a no_match still ends with its answer event.
            let offTopic = try await http.post(
                "/v1/chat", raw: try JSONSerialization.data(withJSONObject: ["question": "What is the airspeed of an unladen swallow?"]),
                headers: ["Content-Type": "application/json", "Accept": "text/event-stream"]
            )
            let offTopicEvents = Self.events(offTopic.text)
            #expect(offTopicEvents.last?.name == "answer", "\(offTopic.text)")
            #expect(offTopicEvents.last?.data["status"] as? String == "no_match")

            // `stream` is for /v1/chat only; a bad value is a clear 400.
            let bad = try await http.post("/v1/chat", json: ["question": "hi", "stream": "yes"])
            #expect(bad.status == 400 && bad.text.contains("stream"))
        }
    }
}

/// With an OpenAI-compatible chat server and `LLM_STREAM`, the provider's pieces reach the client as they
/// are written, as `delta` events through the responder and `rag.answer.deltas`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HostedModelStreamingTests {
    @Test func theProvidersPiecesAreStreamedToTheClient() async throws {
        let server = FakeOpenAIServer()
        try await server.start()
        let pipeline = try PipelineHarness { configuration in
            server.configureChatModel(&configuration)
            configuration.llm.stream = true
        }
        let base = try #require(try await pipeline.start())
        try await withAsyncCleanup({ await pipeline.stop(); await server.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)
            let pieces = ["If your train ", "is over an hour late, ", "ask for a refund."]
            server.enqueue(.stream(pieces, chunkBytes: 4_096))
            let reply = try await TestHTTP(baseURL: base).post("/v1/chat", json: ["question": "What should I do if my train arrives more than an hour late?", "stream": true])
            let events = StreamingTests.events(reply.text)
            // References first, the answer last, the text in between in more than one piece (the answer travels
            // on its own topic and may overtake the last delta, whose text it then fills in).
            #expect(events.first?.name == "references" && events.last?.name == "answer", "\(reply.text)")
            let deltas = events.dropFirst().dropLast()
            #expect(deltas.allSatisfy { $0.name == "delta" } && deltas.count >= 2, "\(reply.text)")
            #expect(deltas.compactMap { $0.data["text"] as? String }.joined() == pieces.joined())
            #expect(deltas.first?.data["text"] as? String == pieces[0])
            #expect(events.last?.data["answer"] as? String == pieces.joined())
            #expect((events.first?.data["references"] as? [[String: Any]])?.first?["id"] as? String == "transport-009")
        }
    }
}
