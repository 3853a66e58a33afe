import Foundation
import Gateway
import RAGCore
import RaglineApp
import RaglineTestSupport
import Testing

/// Faults while async questions with callbacks flow through every role, each its own OS process: what
/// integrators see must stay at-least-once without storms, and no request is held by a stalled broker.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct FaultTests {
    /// Callbacks received per question id.
    static func callbackCounts(_ receiver: CallbackReceiver) -> [String: Int] {
        receiver.all.reduce(into: [:]) { counts, callback in
            if let id = callback.headers[CallbackSigner.Header.id] { counts[id, default: 0] += 1 }
        }
    }

    /// A 10 s broker freeze (SIGSTOP) in the middle of async load: nothing accepted is lost, duplicate
    /// callbacks stay at or under 1% of accepted questions, and no submission is held over 3 s (refused
    /// with 503 instead while the broker cannot take it).
    @Test func aFrozenBrokerLosesNothingAndStormsNoCallbacks() async throws {
        let stack = try MultiProcessStack(environment: ["RAGLINE_CALLBACK_ALLOWED_HOSTS": "127.0.0.1", "RAGLINE_CALLBACK_SECRET": "fault-tests"])
        let receiver = CallbackReceiver()
        try await withAsyncCleanup({ await stack.stop(); await receiver.stop() }) {
            let hook = try await receiver.start()
            let (broker, brokers) = try await stack.startBroker()
            for role in ["ingest-worker", "retriever", "responder", "gateway"] { try stack.launch(role, [role]) }
            try await stack.waitForGateway()
            try await DemoKnowledgeEvents.publishAndWaitUntilIndexed(brokers: brokers, indexDirectory: stack.configuration.indexDirectory)

            var accepted: [String] = []
            var refused = 0
            var longestHeld = Duration.zero
            let clock = ContinuousClock()
            let start = clock.now
            var frozenAt: ContinuousClock.Instant?
            var thawed = false
            var number = 0
            // About 10 questions a second for 22 s; the broker freezes from 4 s to 14 s.
            while clock.now - start < .seconds(22) {
                if frozenAt == nil, clock.now - start >= .seconds(4) {
                    broker.freeze()
                    frozenAt = clock.now
                }
                if !thawed, let frozen = frozenAt, clock.now - frozen >= .seconds(10) {
                    broker.thaw()
                    thawed = true
                }
                let sent = clock.now
                let reply = try? await stack.http.post("/v1/questions", json: ["question": "Can I bring my bicycle on board? (\(number))", "callback_url": hook])
                longestHeld = max(longestHeld, clock.now - sent)
                if reply?.status == 202, let id = reply?.json["id"] as? String {
                    accepted.append(id)
                } else {
                    #expect(reply?.status == 503, "a refusal is 503: \(reply?.text ?? "no reply")")
                    refused += 1
                }
                number += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            if !thawed { broker.thaw() }

            let expected = Set(accepted)
            try await waitUntil("a callback for every accepted question", timeout: .seconds(150), interval: .milliseconds(500)) {
                expected.isSubset(of: Self.callbackCounts(receiver).keys)
            }
            // Late repeats would arrive within a session timeout or two of the thaw.
            try await Task.sleep(for: .seconds(15))
            let counts = Self.callbackCounts(receiver)
            let duplicates = counts.values.reduce(0) { $0 + max(0, $1 - 1) }
            let lost = expected.subtracting(counts.keys)
            print("frozen broker: \(number) submitted, \(accepted.count) accepted, \(refused) refused, \(lost.count) lost, \(duplicates) duplicate callbacks, longest submission \(longestHeld)")
            #expect(accepted.count > 100, "most submissions outside the freeze are accepted")
            #expect(lost.isEmpty, "accepted but never called back: \(lost.prefix(5))")
            #expect(Double(duplicates) <= Double(accepted.count) * 0.01, "\(duplicates) duplicate callbacks for \(accepted.count) accepted questions")
            #expect(longestHeld <= .seconds(3), "a submission was held \(longestHeld)")
        }
    }
}
