import ArgumentParser
import AsyncHTTPClient
import Foundation
import Kafka
import Logging
import Retriever
import NIOCore
import RAGCore
import RaglineApp
import ServiceLifecycle

/// `ragline eval GOLDEN.jsonl`: asks every golden question over HTTP, of a running gateway (`--url`) or of
/// every role started in this process on embedded defaults with `--knowledge` (as `ragline dev` runs
/// them), and reports accuracy, abstention, confusions and latency. The project's regression gate.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure answer quality on a golden set ({\"question\", \"expected_id\"} lines).")

    @Argument(help: "Golden JSONL: {\"question\": \"...\", \"expected_id\": \"id\" | [\"id\", ...] | null, \"namespace\"?: \"...\"}.") var golden: String
    @Option(help: "A running gateway's base URL. Without it, every role runs in this process on embedded defaults over --knowledge.") var url: String?
    @Option(help: "Knowledge folder of <namespace>.jsonl files (as examples/knowledge) for the in-process run.") var knowledge: String?
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Exit non-zero when in-scope accuracy is under this (0-1).") var minAccuracy: Double?
    @Option(help: "Exit non-zero when the out-of-scope abstention rate is under this (0-1).") var minAbstention: Double?
    @Flag(help: "Sweep the no-match threshold over the answers' best scores for --target-abstention.") var calibrate = false
    @Option(help: "Out-of-scope abstention rate the calibrated threshold must reach (0-1).") var targetAbstention = 0.9
    @Option(help: "With --calibrate: write the threshold as RAGLINE_NO_MATCH_THRESHOLD into this JSON config file (merged).") var writeConfig: String?
    @Option(help: "Write each question's outcome (status, references, candidate scores) to this JSONL file.") var outcomes: String?
    @Option(help: "Questions in flight at once.") var concurrency = 8
    @Option(help: "API key, if the gateway requires one.") var apiKey: String?
    @OptionGroup var options: CommonOptions

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
        guard url != nil || knowledge != nil else { throw ValidationError("give --url of a running gateway, or --knowledge for an in-process run") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard (0...1).contains(targetAbstention) else { throw ValidationError("--target-abstention must be between 0 and 1") }
        if writeConfig != nil, !calibrate { throw ValidationError("--write-config needs --calibrate") }
    }

    func run() async throws {
        let questions: [GoldenQuestion]
        do { questions = try GoldenQuestion.read(golden) } catch { Bootstrap.fail(error) }
        guard !questions.isEmpty else { throw ValidationError("\(golden) holds no questions") }

        let outcomes: [GoldenOutcome]
        if let url {
            outcomes = try await Self.ask(questions, baseURL: url, apiKey: apiKey, concurrency: concurrency)
        } else {
            outcomes = try await inProcess(questions)
        }
        if let path = self.outcomes { try Self.writeOutcomes(outcomes, to: path) }
        let report = GoldenReport(outcomes)
        let calibration = calibrate ? ThresholdCalibration.sweep(outcomes, target: targetAbstention) : nil
        if calibrate, calibration == nil {
            FileHandle.standardError.write(Data("ragline eval: --calibrate needs in-scope and out-of-scope questions with scored answers\n".utf8))
        }
        if let calibration, let writeConfig { try Self.write(threshold: calibration.threshold, to: writeConfig) }
        print(format == "json" ? try Self.json(report, calibration) : Self.table(report, calibration, golden: golden))
        var failed = false
        if let minAccuracy, report.accuracy < minAccuracy {
            FileHandle.standardError.write(Data("ragline eval: accuracy \(Self.percent(report.accuracy)) is under --min-accuracy \(Self.percent(minAccuracy))\n".utf8))
            failed = true
        }
        if let minAbstention, report.outOfScopeAbstained < minAbstention {
            FileHandle.standardError.write(Data("ragline eval: out-of-scope abstention \(Self.percent(report.outOfScopeAbstained)) is under --min-abstention \(Self.percent(minAbstention))\n".utf8))
            failed = true
        }
        if failed { throw ExitCode(1) }
    }

    // MARK: In-process: every role, embedded Kafka, local index, over HTTP

    func inProcess(_ questions: [GoldenQuestion]) async throws -> [GoldenOutcome] {
        guard let knowledge else { throw ValidationError("--knowledge is required without --url") }
        var configuration = await Bootstrap.configurationOrExit(options)
        let data = (NSTemporaryDirectory() as NSString).appendingPathComponent("ragline-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: data) }
        configuration.dataDirectory = data
        configuration.gateway.port = 0
        configuration.gateway.host = "127.0.0.1"
        configuration.localKnowledge.seedDirectory = knowledge
        configuration.localKnowledge.watchInterval = .milliseconds(200)
        // No callbacks are delivered here; a secret of this run's own keeps the gateway from warning about it.
        configuration.gateway.callbackSecret = configuration.gateway.callbackSecret ?? UUID().uuidString
        if ProcessInfo.processInfo.environment["RAGLINE_LOG_LEVEL"] == nil { configuration.logLevel = "warning" }
        let logger = Bootstrap.logging(configuration, label: "ragline.eval")
        let expected = try Self.expectedVectors(knowledge)

        let cluster = try RaglineRuntime.embeddedBroker(partitions: configuration.kafka.partitions)
        let stack = try InProcessStack(configuration: configuration, brokers: cluster.bootstrapServers, logger: logger, registry: Bootstrap.metrics())
        defer { withExtendedLifetime(cluster) {} }
        do {
            guard let models = stack.assembly.knowledgeModels else { throw ValidationError("the in-process stack runs no retriever") }
            try await Self.waitForModels(expected, in: models)
            let outcomes = try await Self.ask(questions, baseURL: try await stack.gatewayURL(), apiKey: configuration.gateway.apiKeys.first, concurrency: concurrency)
            await stack.stop()
            return outcomes
        } catch {
            await stack.stop()
            throw error
        }
    }

    /// Vectors each namespace of the knowledge folder holds once ingested (questions plus alternates).
    static func expectedVectors(_ folder: String) throws -> [String: Int] {
        let parser = KnowledgeLineParser()
        var counts: [String: Int] = [:]
        // As `ragline dev` seeds them: each <namespace>.jsonl at the folder's top level.
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jsonl") }.sorted()
        for name in files {
            let file = URL(fileURLWithPath: folder).appendingPathComponent(name)
            let namespace = String(name.dropLast(".jsonl".count))
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n").enumerated() {
                if case .success(let record)? = parser.parse(line, number: number + 1) {
                    counts[record.namespace ?? namespace, default: 0] += record.questionVectors.count
                }
            }
        }
        guard !counts.isEmpty else { throw ValidationError("\(folder) holds no valid knowledge lines") }
        return counts
    }

    /// Waits until the retriever's knowledge models cover every vector of every namespace.
    static func waitForModels(_ expected: [String: Int], in models: KnowledgeModels) async throws {
        let deadline = ContinuousClock.now + .seconds(900)
        while ContinuousClock.now < deadline {
            let counts = await models.vectorCounts()
            if expected.allSatisfy({ counts[$0.key] == $0.value }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the knowledge was not ingested within 15 minutes")
    }

    // MARK: Asking

    static func ask(_ questions: [GoldenQuestion], baseURL: String, apiKey: String?, concurrency: Int) async throws -> [GoldenOutcome] {
        // One unmeasured question first: a consumer's first fetch of a new partition takes a second or two.
        _ = try await ask(questions[0], baseURL: baseURL, apiKey: apiKey)
        var outcomes = [GoldenOutcome?](repeating: nil, count: questions.count)
        try await withThrowingTaskGroup(of: (Int, GoldenOutcome).self) { group in
            var next = 0
            func schedule() {
                guard next < questions.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await ask(questions[index], baseURL: baseURL, apiKey: apiKey)) }
            }
            for _ in 0..<concurrency { schedule() }
            while let (index, outcome) = try await group.next() {
                outcomes[index] = outcome
                schedule()
            }
        }
        return outcomes.compactMap { $0 }
    }

    static func ask(_ golden: GoldenQuestion, baseURL: String, apiKey: String?) async throws -> GoldenOutcome {
        var body: [String: Any] = ["question": golden.question]
        if let namespace = golden.namespace { body["namespace"] = namespace }
        var request = HTTPClientRequest(url: baseURL + "/v1/chat")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let start = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        let milliseconds = (ContinuousClock.now - start).milliseconds
        guard response.status == .ok else {
            throw ValidationError("\(baseURL)/v1/chat answered \(response.status.code) to \"\(golden.question)\": \(String(buffer: bytes))")
        }
        let answer = try JSONDecoder().decode(EvalAnswer.self, from: Data(buffer: bytes))
        let best = answer.diagnostics?.candidates.first
        var outcome = GoldenOutcome(
            golden: golden, status: AnswerStatus(rawValue: answer.status), firstReference: answer.references.first?.id,
            bestScore: best?.dense, bestCandidate: best?.id, milliseconds: milliseconds
        )
        outcome.candidates = answer.diagnostics?.candidates ?? []
        return outcome
    }

    /// The parts of the gateway's answer the evaluation reads.
    struct EvalAnswer: Decodable {
        struct Reference: Decodable { var id: String }
        struct Diagnostics: Decodable {
            var candidates: [AnswerDiagnostics.Candidate]
        }
        var status: String
        var references: [Reference]
        var diagnostics: Diagnostics?
    }

    // MARK: Output

    static func writeOutcomes(_ outcomes: [GoldenOutcome], to path: String) throws {
        struct Line: Encodable {
            var question: String
            var expected_id: [String]
            var status: String
            var reference: String?
            var milliseconds: Double
            var candidates: [AnswerDiagnostics.Candidate]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for outcome in outcomes {
            data.append(try encoder.encode(Line(
                question: outcome.golden.question, expected_id: outcome.golden.expectedIDs, status: outcome.status.rawValue,
                reference: outcome.firstReference, milliseconds: outcome.milliseconds, candidates: outcome.candidates
            )))
            data.append(0x0A)
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    static func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }

    static func table(_ report: GoldenReport, _ calibration: ThresholdCalibration?, golden: String) -> String {
        var lines = [
            "golden set: \(golden) (\(report.questions) questions: \(report.inScope) in scope, \(report.outOfScope) out of scope)",
            "",
            "| measure | value |", "| --- | --- |",
            "| in-scope answered correctly (accuracy) | \(percent(report.accuracy)) |",
            "| in-scope answered wrongly | \(percent(report.inScopeWrong)) |",
            "| in-scope abstained (no_match) | \(percent(report.inScopeAbstained)) |",
            "| in-scope clarify | \(percent(report.inScopeClarified)) |",
        ]
        if report.outOfScope > 0 {
            lines += [
                "| out-of-scope abstained (no_match) | \(percent(report.outOfScopeAbstained)) |",
                "| out-of-scope clarify | \(percent(report.outOfScopeClarified)) |",
            ]
        }
        lines += [
            "| latency p50 / p95 | \(String(format: "%.1f / %.1f ms", report.latencyP50Milliseconds, report.latencyP95Milliseconds)) |",
        ]
        if let calibration {
            lines += [
                "", "calibration for \(percent(calibration.targetAbstention)) out-of-scope abstention: threshold \(String(format: "%.4f", calibration.threshold))"
                    + " (abstains on \(percent(calibration.outOfScopeAbstained)), in-scope answered correctly \(percent(calibration.accuracy)))",
            ]
        }
        if !report.confusions.isEmpty {
            lines += ["", "confusions (highest confidence first):"]
            for confusion in report.confusions {
                let expected = confusion.expected.isEmpty ? "(abstain)" : confusion.expected.count > 1 ? confusion.expected[0] + "…" : confusion.expected[0]
                let score = confusion.score.map { String(format: "%.3f", $0) } ?? "-"
                lines.append("  \(confusion.status) \(confusion.got ?? "-") (confidence \(score)), expected \(expected): \(confusion.question)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ report: GoldenReport, _ calibration: ThresholdCalibration?) throws -> String {
        struct Output: Encodable {
            var report: GoldenReport
            var calibration: ThresholdCalibration?
            func encode(to encoder: any Encoder) throws {
                try report.encode(to: encoder)
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encodeIfPresent(calibration, forKey: .calibration)
            }
            enum CodingKeys: String, CodingKey { case calibration }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Output(report: report, calibration: calibration)), as: UTF8.self)
    }

    /// Merges `ragline.no.match.threshold` into a JSON config file (the `--config` format).
    static func write(threshold: Double, to path: String) throws {
        var root = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any] ?? [:]
        var ragline = root["ragline"] as? [String: Any] ?? [:]
        var no = ragline["no"] as? [String: Any] ?? [:]
        var match = no["match"] as? [String: Any] ?? [:]
        match["threshold"] = (threshold * 10_000).rounded(.up) / 10_000
        no["match"] = match
        ragline["no"] = no
        root["ragline"] = ragline
        try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }
}
