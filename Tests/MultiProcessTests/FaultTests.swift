import Foundation
import Gateway
import Messaging
import RAGCore
import RaglineApp
import RaglineTestSupport
import Testing

/// Faults while async questions with callbacks flow through every role, each its own OS process: what
/// integrators see must stay at-least-once without storms, and no request is held by a stalled broker.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct FaultTests {
    static let environment = ["RAGLINE_CALLBACK_ALLOWED_HOSTS": "127.0.0.1", "RAGLINE_CALLBACK_SECRET": "fault-tests"]

    /// What a stretch of async submissions gave.
    struct Load {
        var submitted = 0
        var accepted: [String] = []
        var acceptedAt: [String: ContinuousClock.Instant] = [:]
        var refused = 0
        var longestHeld = Duration.zero
        /// When each submission was sent (since the start of the load) and whether it was accepted.
        var outcomes: [(sent: Duration, accepted: Bool)] = []

        /// The share of submissions sent in `window` that were accepted.
        func acceptedShare(sentIn window: (Duration) -> Bool) -> Double {
            let sent = outcomes.filter { window($0.sent) }
            return sent.isEmpty ? 1 : Double(sent.filter(\.accepted).count) / Double(sent.count)
        }
    }

    /// Submits about ten async questions a second with `hook` as callback for `duration`, running each of
    /// `faults` once its time has come.
    static func submit(
        to http: TestHTTP, hook: String, for duration: Duration, faults: [(at: Duration, run: () async throws -> Void)] = []
    ) async throws -> Load {
        var load = Load()
        var pending = faults.sorted { $0.at < $1.at }
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < duration {
            while let next = pending.first, clock.now - start >= next.at {
                try await next.run()
                pending.removeFirst()
            }
            let sent = clock.now
            let reply = try? await http.post("/v1/questions", json: ["question": "Can I bring my bicycle on board? (\(load.submitted))", "callback_url": hook])
            load.longestHeld = max(load.longestHeld, clock.now - sent)
            let accepted = reply?.status == 202
            load.outcomes.append((sent - start, accepted))
            if accepted, let id = reply?.json["id"] as? String {
                load.accepted.append(id)
                load.acceptedAt[id] = sent
            } else {
                #expect(reply?.status == 503, "a refusal is 503: \(reply?.text ?? "no reply")")
                load.refused += 1
            }
            load.submitted += 1
            try await Task.sleep(for: .milliseconds(100))
        }
        for fault in pending { try await fault.run() }
        return load
    }

    /// Waits for a callback of every accepted question, then a while longer for late repeats, and returns
    /// the lost ids and the number of duplicate callbacks.
    static func settle(_ load: Load, _ receiver: CallbackReceiver, label: String) async throws -> (lost: Set<String>, duplicates: Int) {
        let expected = Set(load.accepted)
        try? await waitUntil("a callback for every accepted question", timeout: .seconds(150), interval: .milliseconds(500)) {
            expected.isSubset(of: callbackCounts(receiver).keys)
        }
        // Late repeats would arrive within a session timeout or two.
        try await Task.sleep(for: .seconds(15))
        let counts = callbackCounts(receiver)
        let duplicates = counts.values.reduce(0) { $0 + max(0, $1 - 1) }
        let lost = expected.subtracting(counts.keys)
        print("\(label): \(load.submitted) submitted, \(load.accepted.count) accepted, \(load.refused) refused, \(lost.count) lost, \(duplicates) duplicate callbacks, longest submission \(load.longestHeld)")
        return (lost, duplicates)
    }

    /// Callbacks received per question id.
    static func callbackCounts(_ receiver: CallbackReceiver) -> [String: Int] {
        receiver.all.reduce(into: [:]) { counts, callback in
            if let id = callback.headers[CallbackSigner.Header.id] { counts[id, default: 0] += 1 }
        }
    }

    /// Broker, the four roles and a callback receiver, the demo knowledge indexed; `body` runs, then
    /// everything is stopped.
    static func withPipeline(
        environment extra: [String: String] = [:], _ body: (MultiProcessStack, RaglineProcess, CallbackReceiver, String) async throws -> Void
    ) async throws {
        let stack = try MultiProcessStack(environment: environment.merging(extra) { _, new in new })
        let receiver = CallbackReceiver()
        try await withAsyncCleanup({ await stack.stop(); await receiver.stop() }) {
            let hook = try await receiver.start()
            let (broker, brokers) = try await stack.startBroker()
            for role in ["ingest-worker", "retriever", "responder", "gateway"] { try stack.launch(role, [role]) }
            try await stack.waitForGateway()
            try await DemoKnowledgeEvents.publishAndWaitUntilIndexed(brokers: brokers, indexDirectory: stack.configuration.indexDirectory)
            try await body(stack, broker, receiver, hook)
        }
    }

    /// A 10 s broker freeze (SIGSTOP) in the middle of async load: nothing accepted is lost, duplicate
    /// callbacks stay at or under 1% of accepted questions, and no submission is held over 3 s (refused
    /// with 503 instead while the broker cannot take it).
    @Test func aFrozenBrokerLosesNothingAndStormsNoCallbacks() async throws {
        try await Self.withPipeline { stack, broker, receiver, hook in
            let load = try await Self.submit(to: stack.http, hook: hook, for: .seconds(22), faults: [
                (.seconds(4), { broker.freeze() }), (.seconds(14), { broker.thaw() }),
            ])
            let (lost, duplicates) = try await Self.settle(load, receiver, label: "frozen broker")
            // Away from the freeze (4-14 s) and the second the probe needs to see the broker back, the gateway
            // takes questions.
            let share = load.acceptedShare { $0 < .seconds(3.5) || $0 > .seconds(16) }
            #expect(share >= 0.95, "only \(share) of the submissions away from the freeze were accepted")
            #expect(lost.isEmpty, "accepted but never called back: \(lost.prefix(5))")
            #expect(Double(duplicates) <= Double(load.accepted.count) * 0.01, "\(duplicates) duplicate callbacks for \(load.accepted.count) accepted questions")
            #expect(load.longestHeld <= .seconds(3), "a submission was held \(load.longestHeld)")
        }
    }

    /// The retriever, then the responder, killed (SIGKILL) under load and replaced 2 s later: nothing lost,
    /// duplicates at or under 1%.
    @Test func killedRetrieverAndResponderLoseNothing() async throws {
        try await Self.withPipeline { stack, _, receiver, hook in
            func kill(_ name: String) -> () async throws -> Void {
                { stack.started.last { $0.name.hasPrefix(name) && $0.isRunning }?.kill() }
            }
            func replace(_ role: String) -> () async throws -> Void {
                { try stack.launch("\(role)-replacement", [role]) }
            }
            let load = try await Self.submit(to: stack.http, hook: hook, for: .seconds(16), faults: [
                (.seconds(3), kill("retriever")), (.seconds(5), replace("retriever")),
                (.seconds(9), kill("responder")), (.seconds(11), replace("responder")),
            ])
            let (lost, duplicates) = try await Self.settle(load, receiver, label: "killed retriever and responder")
            #expect(lost.isEmpty, "accepted but never called back: \(lost.prefix(5))")
            #expect(Double(duplicates) <= Double(load.accepted.count) * 0.01, "\(duplicates) duplicate callbacks for \(load.accepted.count) accepted questions")
        }
    }

    /// One of two gateways killed: the survivor takes over its callback partitions once the group
    /// coordinator reassigns them, so every accepted question is called back. On Kafka and MSK that is
    /// about one session timeout (S); the embedded broker (librdkafka 2.0.2's mock coordinator) removes the
    /// dead member after S, then waits S - 1 s before it reassigns, whatever the clients do, so the bound
    /// here is 2S from the kill (S = 6 s in this test).
    @Test func aKilledGatewaysCallbacksResumeWithinTheCoordinatorsBound() async throws {
        let session = Duration.seconds(6)
        try await Self.withPipeline(environment: ["KAFKA_SESSION_TIMEOUT_MS": "6000"]) { stack, _, receiver, hook in
            let secondPort = freePort()
            let second = try stack.launch("gateway-2", ["gateway"], environment: ["RAGLINE_PORT": String(secondPort)])
            // Ready means joined to the callbacks group with its share of the partitions; then the group
            // settles (the first gateway's rejoin) before the kill.
            let secondHTTP = TestHTTP(baseURL: "http://127.0.0.1:\(secondPort)")
            try await waitUntil("gateway-2 /readyz", timeout: .seconds(60)) { (try? await secondHTTP.get("/readyz").status) == 200 }
            try await Task.sleep(for: session)
            let clock = ContinuousClock()
            let killedAt = LockedBox<ContinuousClock.Instant?>(nil)
            let load = try await Self.submit(to: stack.http, hook: hook, for: .seconds(10), faults: [(.seconds(2), {
                second.kill()
                killedAt.withLock { $0 = clock.now }
            })])
            let (lost, _) = try await Self.settle(load, receiver, label: "killed gateway")
            #expect(lost.isEmpty, "accepted but never called back: \(lost.prefix(5))")
            let firstCallback = receiver.all.reduce(into: [String: ContinuousClock.Instant]()) { first, callback in
                if let id = callback.headers[CallbackSigner.Header.id], first[id] == nil { first[id] = callback.at }
            }
            let kill = try #require(killedAt.value)
            // How long after the kill (or after it was asked, if later) each question waited for its callback.
            let waits = load.acceptedAt.compactMap { id, asked in firstCallback[id].map { $0 - max(asked, kill) } }
            let slowest = waits.max() ?? .zero
            print("killed gateway: slowest callback \(slowest) after the kill (session timeout \(session))")
            #expect(slowest <= session * 2, "a callback came \(slowest) after the kill")
        }
    }

    /// SIGTERM to every role, then a restart: committed callbacks are not sent again, and the restarted
    /// gateway answers polls for questions it never saw live (it rebuilds the async window).
    @Test func aCleanRestartResendsNothingAndServesOldPolls() async throws {
        try await Self.withPipeline { stack, _, receiver, hook in
            let load = try await Self.submit(to: stack.http, hook: hook, for: .seconds(4))
            let (lost, _) = try await Self.settle(load, receiver, label: "before restart")
            #expect(lost.isEmpty)
            let before = receiver.all.count
            for process in stack.started.reversed() where process.isRunning && process.name != "broker" {
                #expect(await process.terminate() == 0, "\(process.name) did not stop cleanly:\n\(process.log.suffix(1500))")
            }
            for role in ["ingest-worker", "retriever", "responder", "gateway"] { try stack.launch("\(role)-restarted", [role]) }
            try await stack.waitForGateway()
            try await Task.sleep(for: .seconds(12))
            #expect(receiver.all.count == before, "\(receiver.all.count - before) callbacks sent again after a clean restart")
            for id in load.accepted.prefix(10) {
                let poll = try await stack.http.get("/v1/questions/\(id)")
                #expect(poll.status == 200 && poll.json["status"] as? String == "answered", "poll of \(id) after restart: \(poll.status) \(poll.text)")
            }
        }
    }
}
