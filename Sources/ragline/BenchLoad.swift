import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import Logging
import NIOCore
import RaglineApp
import Synchronization

extension Bench {
    /// `ragline bench load`: an open-loop load generator. Request `i` of a rate is due at `t0 + i/rate`
    /// whatever became of the earlier ones, each runs in a task of its own, and its latency counts from when
    /// it was due, not from when it went out: a stalled server cannot slow the generator down and so hide its
    /// own stall (coordinated omission). The time from the actual send (service time) is recorded too, as the
    /// uncorrected comparison.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open-loop load at fixed request rates against a gateway; latency counted from each request's intended start."
        )

        enum Mode: String, ExpressibleByArgument, CaseIterable, Sendable {
            case sync, `async`
        }

        enum Questions: String, ExpressibleByArgument, CaseIterable, Sendable {
            case distinct, repeated
        }

        @Option(help: "Gateway base URL (default: RAGLINE_URL, else http://127.0.0.1:$RAGLINE_PORT, port 8080 by default).") var url: String?
        @Option(help: "Target rates in requests per second, comma-separated, measured one after another.") var rates = "100,200,400"
        @Option(help: "Measured seconds per rate.") var duration = 10.0
        @Option(help: "Seconds of unrecorded load before each rate's measurement.") var warmup = 2.0
        @Option(help: "sync: POST /v1/chat, 200 expected (the whole pipeline); async: POST /v1/questions, 202 expected (the front door only).")
        var mode: Mode = .sync
        @Option(help: "distinct: a unique suffix on every question (no cache hits); repeated: five fixed questions in turn.")
        var questions: Questions = .distinct
        @Option(help: "Requests in flight at most; a request due past it is counted as dropped (client saturated), never delayed.")
        var maxInFlight = 4096
        @Option(help: "HTTP/1.1 connections to the gateway at most (the client queues requests past it).") var connections = 512
        @Option(help: "Seconds a request may take before it counts as a transport error.") var timeout = 60.0
        @Flag(help: "Start every role in this process on embedded defaults and load that instead of --url.") var embedded = false
        @Flag(help: "Print one JSON object per rate instead of a markdown table.") var json = false

        /// The questions `--questions repeated` cycles through, and the stems of the distinct ones.
        /// Short FAQ questions, like the short questions of `ragline bench embed`, so that the two compare.
        static let seedQuestions = [
            "How can I buy a train ticket?", "What is your return policy?",
            "Do you accept my insurance provider?", "Can I bring my bicycle on board?", "How long does delivery take?",
        ]

        mutating func validate() throws {
            _ = try targetRates()
            guard duration > 0, duration.isFinite else { throw ValidationError("--duration must be a positive number of seconds") }
            guard warmup >= 0, warmup.isFinite else { throw ValidationError("--warmup must be 0 or a positive number of seconds") }
            guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
            guard maxInFlight > 0 else { throw ValidationError("--max-in-flight must be positive") }
            guard connections > 0 else { throw ValidationError("--connections must be positive") }
        }

        func targetRates() throws -> [Double] {
            let fields = rates.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let values = fields.compactMap { Double($0) }
            guard !fields.isEmpty, values.count == fields.count, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw ValidationError("--rates must be positive numbers separated by commas, such as 100,200,400 (got \"\(rates)\")")
            }
            return values
        }

        func run() async throws {
            Bench.quietLogging()
            var logger = Logger(label: "ragline.bench")
            logger.logLevel = .error
            let targets = try targetRates()
            guard embedded else {
                let base = Ask.baseURL(url, environment: ProcessInfo.processInfo.environment).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                try await measure(base: base, targets: targets)
                return
            }
            let configuration = Bench.demoConfiguration()
            defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
            Self.progress("starting every role in process on embedded defaults")
            let (cluster, stack, base) = try await Bench.startDemoStack(configuration, logger: logger)
            let outcome: Result<Void, any Error>
            do {
                try await measure(base: base, targets: targets)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            await stack.stop()
            withExtendedLifetime(cluster) {}
            try outcome.get()
        }

        /// Every rate in turn with one dedicated client, then the results; the client is shut down either way.
        func measure(base: String, targets: [Double]) async throws {
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
            configuration.timeout = .init(connect: .seconds(10))
            configuration.httpVersion = .http1Only
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let load = LoadTarget(
                client: client, base: base, mode: mode, questions: questions,
                run: String(Int.random(in: 100...999)), timeout: .nanoseconds(Int64(timeout * 1e9))
            )
            let command = CommandLine.arguments.map(Self.shellQuoted).joined(separator: " ")
            if !json {
                print("<!-- \(command) -->")
                print("<!-- target \(base)\(embedded ? " (every role in the generator's process)" : ""); \(Self.number(warmup)) s warm-up then \(Self.number(duration)) s measured per rate; at most \(maxInFlight) in flight over \(connections) connections; \(ProcessInfo.processInfo.activeProcessorCount) CPU cores -->")
                print("| mode | questions | target/s | achieved/s | ok | errors | dropped | p50 ms | p90 ms | p99 ms | max ms |")
                print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            }
            var notes: [String] = []
            var firstNumber = 0
            for rate in targets {
                Self.progress("\(mode.rawValue) at \(Self.number(rate))/s: \(Self.number(warmup)) s warm-up, \(Self.number(duration)) s measured")
                let result = await measureRate(rate, firstNumber: firstNumber, load: load)
                firstNumber += result.scheduled
                Self.progress("\(Self.number(rate))/s: achieved \(String(format: "%.1f", result.achieved))/s, \(result.tally.failed) errors, \(result.tally.dropped) dropped")
                if json {
                    print(jsonLine(result, command: command, base: base))
                } else {
                    print(markdownRow(result))
                    notes.append(note(result))
                }
            }
            try await client.shutdown()
            if !json {
                print("")
                notes.forEach { print($0) }
            }
        }

        /// One rate: a scheduler that sleeps only while it is ahead of the next due time, starting each request
        /// in a child task of its own, so that nothing a response does delays the sends after it.
        func measureRate(_ rate: Double, firstNumber: Int, load: LoadTarget) async -> RateResult {
            let warmupCount = Int((warmup * rate).rounded())
            let measuredCount = max(1, Int((duration * rate).rounded()))
            let limit = maxInFlight
            let recorder = LoadRecorder()
            let clock = ContinuousClock()
            func offset(_ index: Int) -> Duration {
                .nanoseconds(Int64((Double(index) * 1e9 / rate).rounded()))
            }
            let start = clock.now
            let windowStart = start + offset(warmupCount)
            // Throughput counts the successes that complete inside the measured window, whenever they were sent.
            let window = windowStart..<(windowStart + Duration.seconds(duration))
            await withDiscardingTaskGroup { group in
                for index in 0..<(warmupCount + measuredCount) {
                    let due = start + offset(index)
                    if due > clock.now {
                        do {
                            try await clock.sleep(until: due)
                        } catch {
                            break // cancelled
                        }
                    }
                    let measured = index >= warmupCount
                    guard recorder.admit(limit: limit, measured: measured) else { continue }
                    let number = firstNumber + index
                    group.addTask {
                        await load.send(number: number, due: due, measured: measured, window: window, recorder: recorder)
                    }
                }
            }
            return RateResult(target: rate, scheduled: warmupCount + measuredCount, measured: measuredCount, duration: duration, tally: recorder.snapshot)
        }

        func markdownRow(_ result: RateResult) -> String {
            let tally = result.tally
            let cells = [
                mode.rawValue, questions.rawValue, Self.number(result.target), String(format: "%.1f", result.achieved),
                "\(tally.ok)", "\(tally.failed)", "\(tally.dropped)",
                Self.milliseconds(tally.latency, 50), Self.milliseconds(tally.latency, 90), Self.milliseconds(tally.latency, 99),
                Self.milliseconds(tally.latency, 100),
            ]
            return "| " + cells.joined(separator: " | ") + " |"
        }

        /// The uncorrected service time, how far the generator fell behind its own schedule, and the errors.
        func note(_ result: RateResult) -> String {
            let tally = result.tally
            var line = "- \(mode.rawValue) \(Self.number(result.target))/s: service time (sent -> response, uncorrected) p50 \(Self.milliseconds(tally.service, 50)) ms, p99 \(Self.milliseconds(tally.service, 99)) ms"
            line += "; send lag (due -> sent) p99 \(Self.milliseconds(tally.sendLag, 99)) ms, max \(Self.milliseconds(tally.sendLag, 100)) ms"
            if !tally.failures.isEmpty {
                let kinds = tally.failures.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }
                line += "; errors: " + kinds.joined(separator: ", ")
            }
            if tally.dropped > 0 {
                line += "; \(tally.dropped) dropped (client saturated at \(maxInFlight) in flight)"
            }
            return line
        }

        func jsonLine(_ result: RateResult, command: String, base: String) -> String {
            let tally = result.tally
            func summary(_ histogram: Histogram<UInt64>) -> Any {
                guard histogram.totalCount > 0 else { return NSNull() }
                var values: [String: Double] = [:]
                for (name, percentile) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9), ("max", 100.0)] {
                    values[name] = Double(histogram.valueAtPercentile(percentile)) / 1000
                }
                return values
            }
            let object: [String: Any] = [
                "command": command, "url": base, "embedded": embedded, "mode": mode.rawValue, "questions": questions.rawValue,
                "target_per_second": result.target, "achieved_per_second": result.achieved,
                "warmup_seconds": warmup, "duration_seconds": duration, "max_in_flight": maxInFlight, "connections": connections,
                "measured": result.measured, "ok": tally.ok, "errors": tally.failed, "dropped": tally.dropped, "error_kinds": tally.failures,
                "latency_ms": summary(tally.latency), "service_time_ms": summary(tally.service), "send_lag_ms": summary(tally.sendLag),
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }

        /// A percentile of microseconds as milliseconds (100: the largest value recorded), "-" without samples.
        static func milliseconds(_ histogram: Histogram<UInt64>, _ percentile: Double) -> String {
            guard histogram.totalCount > 0 else { return "-" }
            let value = percentile >= 100 ? histogram.maxRecorded : histogram.valueAtPercentile(percentile)
            return String(format: "%.2f", Double(value) / 1000)
        }

        static func number(_ value: Double) -> String {
            String(format: "%g", value)
        }

        static func progress(_ line: String) {
            FileHandle.standardError.write(Data("bench load: \(line)\n".utf8))
        }

        static func shellQuoted(_ argument: String) -> String {
            let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+")
            if !argument.isEmpty, argument.unicodeScalars.allSatisfy(plain.contains) { return argument }
            return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
    }

    /// What one rate's requests go to and how each one is sent.
    struct LoadTarget: Sendable {
        let client: HTTPClient
        let base: String
        let mode: Load.Mode
        let questions: Load.Questions
        /// Distinguishes this run's distinct questions from an earlier run's against the same gateway (whose
        /// embedding cache remembers them).
        let run: String
        let timeout: TimeAmount

        var expectedStatus: UInt {
            mode == .sync ? 200 : 202
        }

        func question(_ number: Int) -> String {
            let seed = Load.seedQuestions[number % Load.seedQuestions.count]
            // A number, not words, makes each distinct: a few word pieces, so the question stays short.
            return questions == .distinct ? "\(seed) \(run)\(number)" : seed
        }

        func makeRequest(_ question: String) throws -> HTTPClientRequest {
            switch mode {
            case .sync:
                return try Bench.chatRequest(base + "/v1/chat", question: question, stream: false)
            case .async:
                // `/v1/questions` refuses a "stream" field, so not `Bench.chatRequest`.
                var request = HTTPClientRequest(url: base + "/v1/questions")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["question": question])))
                return request
            }
        }

        /// Sends request `number` (due at `due`), reads its whole response and records the outcome.
        func send(number: Int, due: ContinuousClock.Instant, measured: Bool, window: Range<ContinuousClock.Instant>, recorder: LoadRecorder) async {
            let clock = ContinuousClock()
            var sent = clock.now
            var failure: String?
            do {
                let request = try makeRequest(question(number))
                sent = clock.now
                let response = try await client.execute(request, timeout: timeout)
                if response.status.code == expectedStatus {
                    for try await _ in response.body {}
                } else {
                    let body = try await response.body.collect(upTo: 1 << 20)
                    failure = "HTTP \(response.status.code)" + (Self.errorCode(String(buffer: body)).map { " \($0)" } ?? "")
                }
            } catch {
                failure = Self.transportKind(error)
            }
            recorder.complete(due: due, sent: sent, done: clock.now, failure: failure, measured: measured, window: window)
        }

        /// The `error.code` of a Ragline error body (`queue_unavailable`, `rate_limited`, ...).
        static func errorCode(_ body: String) -> String? {
            let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
            return (object?["error"] as? [String: Any])?["code"] as? String
        }

        static func transportKind(_ error: any Error) -> String {
            if let error = error as? HTTPClientError { return "transport \(error)" }
            return "transport " + String(Ask.reason(error).prefix(60))
        }
    }

    /// One rate's counts and histograms (microseconds), shared by the scheduler and every request's task.
    final class LoadRecorder: Sendable {
        struct Tally: Sendable {
            /// Completion minus due time: the corrected latency, successes only.
            var latency = LoadRecorder.histogram()
            /// Completion minus actual send: the uncorrected service time, successes only.
            var service = LoadRecorder.histogram()
            /// Actual send minus due time, every measured request sent: how far the generator fell behind.
            var sendLag = LoadRecorder.histogram()
            var inFlight = 0
            var ok = 0, failed = 0, dropped = 0
            /// Successes completed inside the measured window, measured or warm-up.
            var okInWindow = 0
            var failures: [String: Int] = [:]
        }

        /// An hour, in microseconds: nothing a request does lasts longer (its timeout ends it first).
        static let highest: UInt64 = 3_600_000_000
        /// Error kinds kept apart; past this many the rest are counted together.
        static let maxFailureKinds = 20

        static func histogram() -> Histogram<UInt64> {
            Histogram<UInt64>(highestTrackableValue: highest, numberOfSignificantValueDigits: .three)
        }

        private let tally = Mutex(Tally())

        var snapshot: Tally {
            tally.withLock { $0 }
        }

        /// Takes a slot for a request due now, or counts it as dropped when `limit` requests are in flight.
        func admit(limit: Int, measured: Bool) -> Bool {
            tally.withLock { tally in
                guard tally.inFlight < limit else {
                    if measured { tally.dropped += 1 }
                    return false
                }
                tally.inFlight += 1
                return true
            }
        }

        func complete(
            due: ContinuousClock.Instant, sent: ContinuousClock.Instant, done: ContinuousClock.Instant,
            failure: String?, measured: Bool, window: Range<ContinuousClock.Instant>
        ) {
            let latency = Self.microseconds(done - due), service = Self.microseconds(done - sent), lag = Self.microseconds(sent - due)
            tally.withLock { tally in
                tally.inFlight -= 1
                if failure == nil, window.contains(done) { tally.okInWindow += 1 }
                guard measured else { return }
                tally.sendLag.record(lag)
                if let failure {
                    tally.failed += 1
                    let kind = tally.failures[failure] != nil || tally.failures.count < Self.maxFailureKinds ? failure : "other"
                    tally.failures[kind, default: 0] += 1
                    return
                }
                tally.ok += 1
                tally.latency.record(latency)
                tally.service.record(service)
            }
        }

        static func microseconds(_ duration: Duration) -> UInt64 {
            let (seconds, attoseconds) = duration.components
            let value = Double(seconds) * 1e6 + Double(attoseconds) / 1e12
            return UInt64(min(max(value.rounded(), 0), Double(highest)))
        }
    }

    struct RateResult: Sendable {
        var target: Double
        /// Requests due, warm-up included.
        var scheduled: Int
        /// Requests due in the measured window: ok + errors + dropped.
        var measured: Int
        var duration: Double
        var tally: LoadRecorder.Tally

        /// Successes per second completed inside the measured window.
        var achieved: Double {
            Double(tally.okInWindow) / duration
        }
    }
}
