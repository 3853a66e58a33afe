import Foundation
import OperatorReports
import RAGCore
import RaglineApp
import RaglineTestSupport
import Testing

/// The operator's loop through every role on the embedded broker: customers ask (some with no match) and
/// rate answers, then the gaps and feedback reports are made from what the topics hold, with the
/// configured embedder (MiniLM) grouping the questions.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct OperatorLoopTests {
    @Test func gapsAndFeedbackReportsComeFromTheTopics() async throws {
        let pipeline = try PipelineHarness()
        let base = try #require(try await pipeline.start())
        let reader = try TopicReader(brokers: pipeline.brokers, topics: ReportEvents.topics)
        try await withAsyncCleanup({ await reader.stop(); await pipeline.stop() }) {
            try await pipeline.waitForIndex(PipelineHarness.demoCounts)
            let http = TestHTTP(baseURL: base)
            func ask(_ question: String, expecting status: String) async throws -> String {
                let reply = try await http.post("/v1/chat", json: ["question": question])
                #expect(reply.json["status"] as? String == status, "\(question): \(reply.text)")
                return try #require(reply.json["id"] as? String)
            }
            func rate(_ id: String, _ rating: String, comment: String? = nil) async throws {
                var body: [String: Any] = ["rating": rating]
                if let comment { body["comment"] = comment }
                #expect(try await http.post("/v1/questions/\(id)/feedback", json: body).status == 202)
            }
            let asked = try await ask("How can I buy a train ticket?", expecting: "answered")
            let reworded = try await ask("Where do I purchase tickets for the train?", expecting: "answered")
            let returns = try await ask("What is your return policy?", expecting: "answered")
            _ = try await ask("Can you recommend a good pizza recipe?", expecting: "no_match")
            _ = try await ask("Could you recommend a good recipe for pizza?", expecting: "no_match")
            _ = try await ask("How many moons does Jupiter have?", expecting: "no_match")
            try await rate(asked, "up")
            try await rate(reworded, "up")
            try await rate(returns, "down", comment: "Does not say who pays for the return shipping.")

            try await waitUntil("six answers and three ratings on the topics", timeout: .seconds(30)) {
                let topics = reader.all.map(\.topic)
                return topics.count { $0 == Topics.answers } >= 6 && topics.count { $0 == Topics.feedback } >= 3
            }
            let events = ReportEvents.decode(reader.all.map { ReportRecord(topic: $0.topic, key: $0.keyString, value: $0.value, timestamp: $0.timestamp) })
            #expect(events.malformedTotal == 0)

            // Gaps: the two pizza questions are one group, asked twice, ranked first; Jupiter is a group of its own.
            let gaps = try await GapsReport.build(events, options: GapsOptions(), embedder: try ProviderFactory.embedder(pipeline.configuration))
            #expect(gaps.noMatch == 3)
            #expect(gaps.groups.map(\.asked) == [2, 1], "\(gaps.groups.map(\.representative))")
            #expect(gaps.groups.first?.allWordings.map(\.question).allSatisfy { $0.lowercased().contains("pizza") } == true)
            #expect(gaps.groups.last?.representative == "How many moons does Jupiter have?")

            // Alternate questions: the reworded question reached transport-001 and was rated up.
            let suggestion = try #require(gaps.alternates.first { $0.id == "transport-001" })
            #expect(suggestion.alternates.map(\.question) == ["Where do I purchase tickets for the train?"])

            // Feedback: the down-rated entry first, with its comment; transport-001 cited twice, two up.
            let feedback = FeedbackReport.build(events, options: FeedbackOptions())
            #expect(feedback.entries.first?.id == "retail-001")
            #expect(feedback.entries.first?.comments.map(\.comment) == ["Does not say who pays for the return shipping."])
            let transport = try #require(feedback.entries.first { $0.id == "transport-001" })
            #expect([transport.cited, transport.up, transport.down] as [Int] == [2, 2, 0])
        }
    }
}
