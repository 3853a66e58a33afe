import ArgumentParser
import Foundation
import Logging
import OperatorReports
import RAGCore

/// `ragline feedback-report`: per entry, how often answers cited it (`rag.answers`), thumbs up and down and
/// the latest comments (`rag.feedback`, published by `POST /v1/questions/{id}/feedback`), worst first.
struct FeedbackReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback-report",
        abstract: "Per knowledge entry: answers citing it, thumbs up and down, latest comments; worst first."
    )

    @Option(help: "Only entries of this namespace.") var namespace: String?
    @Option(help: "Only answers and ratings from this long ago on: 90s, 30m, 24h, 7d, 2w (default: everything the topics hold).") var since: String?
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Entries shown in the table (0: all).") var limit = 25
    @Option(help: "Latest comments kept per entry.") var comments = 3
    @Option(help: "Entries with fewer ratings than this come after the others, whatever their share of thumbs down.") var minRatings = 1
    @OptionGroup var options: CommonOptions

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") }
        guard comments >= 0 else { throw ValidationError("--comments must be 0 or more") }
        guard minRatings >= 1 else { throw ValidationError("--min-ratings must be at least 1") }
        try ReportCommandSupport.validate(namespace: namespace)
        _ = try ReportCommandSupport.seconds(since)
    }

    func run() async throws {
        let (configuration, logger) = await ReportCommandSupport.configuration(options, label: "ragline.feedback-report")
        let seconds = try ReportCommandSupport.seconds(since)
        let now = Date()
        let events = await ReportCommandSupport.events(
            topics: [Topics.questions, Topics.answers, Topics.feedback], seconds: seconds, configuration: configuration,
            command: "feedback-report", logger: logger
        )
        var reportOptions = FeedbackOptions(scope: ReportScope(namespace: namespace, since: seconds.map { now.addingTimeInterval(-$0) }), now: now)
        reportOptions.comments = comments
        reportOptions.minRatings = minRatings
        let report = FeedbackReport.build(events, options: reportOptions)

        if format == "json" {
            print(try ReportJSON.encode(report))
            if let empty = report.emptyMessage { ReportCommandSupport.note("feedback-report", empty) }
            if report.malformedTotal > 0 {
                let counts = report.malformed.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                ReportCommandSupport.note("feedback-report", "skipped \(report.malformedTotal) malformed records (\(counts))")
            }
        } else {
            print(report.table(limit: limit))
        }
    }
}
