import Foundation
import RaglineTestSupport
import Testing

/// Ready means warm: a customer's first question after `/readyz` turns 200 is as fast as the ones after it.
/// Timing-sensitive, so it runs in the fault-test phase of scripts/test.sh, alone on the machine.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WarmStartTests {
    @Test func theFirstAnswerAfterReadyIsAsFastAsTheNextTen() async throws {
        let stack = try MultiProcessStack()
        try await withAsyncCleanup({ await stack.stop() }) {
            try stack.launch("dev", ["dev"])
            // Polled often, so that the first question follows readiness as closely as a load balancer's would.
            try await waitUntil("ragline dev /readyz", timeout: .seconds(90), interval: .milliseconds(10)) {
                (try? await stack.http.get("/readyz").status) == 200
            }
            var pipeline: [Double] = []
            for number in 0..<11 {
                let reply = try await stack.http.post("/v1/chat", json: ["question": "Can I bring my bicycle on board? (\(number))"])
                #expect(reply.status == 200, "question \(number): \(reply.text)")
                let timings = reply.json["timings"] as? [String: Any] ?? [:]
                pipeline.append(try #require(timings["pipeline_ms"] as? Double, "no pipeline_ms in \(reply.text)"))
            }
            let rest = pipeline.dropFirst().sorted()
            let median = rest[rest.count / 2]
            print("warm start: first answer \(pipeline[0]) ms, median of the next ten \(median) ms")
            #expect(pipeline[0] <= 3 * median, "the first answer took \(pipeline[0]) ms against a median of \(median) ms")
        }
    }
}
