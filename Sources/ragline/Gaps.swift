import ArgumentParser
import Foundation
import Logging
import OperatorReports
import RAGCore
import RaglineApp

/// `ragline gaps`: what customers asked that the knowledge base could not answer (every `no_match`) or
/// answered only just (a confidence less than the margin over the threshold), read from `rag.answers`
/// joined with `rag.questions` by question id, grouped by meaning with the configured embedder, ranked by
/// how often each group was asked, with the closest existing entries; and the alternate questions that
/// customers used to reach entries whose answers they rated up (`rag.feedback`). `--format jsonl` writes
/// draft knowledge lines to complete and upload.
struct GapsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaps",
        abstract: "Questions the knowledge base could not answer (or only just), grouped by meaning; draft entries and alternate questions."
    )

    @Option(help: "Only questions asked in (or best matching) this namespace.") var namespace: String?
    @Option(help: "Only answers given this long ago or later: 90s, 30m, 24h, 7d, 2w (default: everything the topics hold).") var since: String?
    @Option(help: "table, json, or jsonl (draft knowledge lines, then alternate-question suggestions).") var format = "table"
    @Option(help: "Also report answered questions whose confidence is less than this over their threshold (default: RAGLINE_GAPS_MARGIN, 0.05).") var margin: Double?
    @Option(help: "Cosine distance (1 - cosine) up to which groups of questions merge (default: RAGLINE_GAPS_CLUSTER_DISTANCE, 0.45).") var clusterDistance: Double?
    @Option(help: "Linkage of the grouping: average or complete.") var linkage = "average"
    @Option(help: "Which part to print: gaps, alternates, or all.") var section = "all"
    @Option(help: "Wordings shown per group in the table.") var examples = 3
    @Option(help: "Groups shown in the table (0: all).") var limit = 25
    @Option(help: "Up-votes a customer's wording needs to be suggested as an alternate question.") var minUpvotes = 1
    @OptionGroup var options: CommonOptions

    func validate() throws {
        guard ["table", "json", "jsonl"].contains(format) else { throw ValidationError("--format must be table, json or jsonl") }
        guard Linkage(rawValue: linkage) != nil else { throw ValidationError("--linkage must be average or complete") }
        guard GapsSection(rawValue: section) != nil else { throw ValidationError("--section must be gaps, alternates or all") }
        if let margin, !(0...1).contains(margin) { throw ValidationError("--margin must be between 0 and 1") }
        if let clusterDistance, !(0...2).contains(clusterDistance) { throw ValidationError("--cluster-distance must be between 0 and 2") }
        guard examples >= 1 else { throw ValidationError("--examples must be at least 1") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") }
        guard minUpvotes >= 1 else { throw ValidationError("--min-upvotes must be at least 1") }
        try ReportCommandSupport.validate(namespace: namespace)
        _ = try ReportCommandSupport.seconds(since)
    }

    func run() async throws {
        let (configuration, logger) = await ReportCommandSupport.configuration(options, label: "ragline.gaps")
        let seconds = try ReportCommandSupport.seconds(since)
        let now = Date()
        let events = await ReportCommandSupport.events(
            topics: ReportEvents.topics, seconds: seconds, configuration: configuration, command: "gaps", logger: logger
        )

        var gapsOptions = GapsOptions(
            scope: ReportScope(namespace: namespace, since: seconds.map { now.addingTimeInterval(-$0) }),
            margin: margin ?? configuration.reports.gapsMargin,
            clustering: AgglomerativeClustering(
                linkage: Linkage(rawValue: linkage) ?? .average, distanceThreshold: clusterDistance ?? configuration.reports.gapsClusterDistance
            ),
            now: now
        )
        gapsOptions.examples = examples
        gapsOptions.minUpvotes = minUpvotes
        let report = await Self.build(events, options: gapsOptions, configuration: configuration)
        let chosen = GapsSection(rawValue: section) ?? .all

        switch format {
        case "json":
            print(try ReportJSON.encode(report))
            if let empty = report.emptyMessage { ReportCommandSupport.note("gaps", empty) }
            notes(report)
        case "jsonl":
            let lines = report.jsonLines(section: chosen)
            for line in lines { print(line) }
            if lines.isEmpty {
                ReportCommandSupport.note("gaps", report.emptyMessage ?? "no knowledge gaps and no alternate questions to suggest \(gapsOptions.scope.summary)")
            }
            notes(report)
        default:
            print(report.table(section: chosen, limit: limit))
        }
    }

    /// What the table shows below the report, on standard error for the machine-readable formats.
    func notes(_ report: GapsReport) {
        if report.malformedTotal > 0 {
            let counts = report.malformed.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            ReportCommandSupport.note("gaps", "skipped \(report.malformedTotal) malformed records (\(counts))")
        }
        if report.withoutQuestion > 0 {
            ReportCommandSupport.note("gaps", "\(report.withoutQuestion) gap answers have no question record and are not listed")
        }
        if let fallback = report.grouping.fallback {
            ReportCommandSupport.note("gaps", "grouped identical wordings only: \(fallback)")
        }
    }

    /// The report, grouped by meaning with the configured embedder when there are two or more gap
    /// wordings; with identical wordings only when the embedder cannot be made or fails (the report's
    /// `grouping.fallback` says why).
    static func build(_ events: ReportEvents, options: GapsOptions, configuration: RaglineConfiguration) async -> GapsReport {
        let gaps = GapsReport.selectGaps(events, scope: options.scope, margin: options.margin).gaps
        let wordings = Set(gaps.map { QuestionText.normalized($0.question) })
        var made: (any Embedder)?
        var fallback: String?
        if wordings.count > 1 {
            do {
                made = try ProviderFactory.embedder(configuration)
            } catch {
                fallback = "the embedder is unavailable: \(error)"
            }
        }
        guard let embedder = made else { return GapsReport.build(events, options: options, fallback: fallback) }
        do {
            return try await GapsReport.build(events, options: options, embedder: embedder)
        } catch {
            return GapsReport.build(events, options: options, fallback: "the embedder failed: \(error)")
        }
    }
}
