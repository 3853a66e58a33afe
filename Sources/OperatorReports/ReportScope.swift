import Foundation
import RAGCore

/// Which events a report covers: one namespace or all, and the ones since an instant or all.
public struct ReportScope: Sendable, Hashable {
    public var namespace: String?
    public var since: Date?

    public init(namespace: String? = nil, since: Date? = nil) {
        self.namespace = namespace
        self.since = since
    }

    public func includes(_ date: Date) -> Bool {
        since.map { date >= $0 } ?? true
    }

    public func includes(namespace candidate: String?) -> Bool {
        namespace == nil || namespace == candidate
    }

    /// "since <date>, namespace <ns>" or "all namespaces", for the reports' headings.
    public var summary: String {
        let when = since.map { "since \(ReportFormat.date($0))" } ?? "since the start of the topics"
        return when + (namespace.map { ", namespace \($0)" } ?? ", all namespaces")
    }
}

/// `--since` values: a whole number and a unit, `90s`, `30m`, `24h`, `7d`, `2w`.
public enum ReportDuration {
    /// The length of `text` in seconds, or nil when it is not a positive duration.
    public static func parse(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last, let amount = Double(trimmed.dropLast()), amount > 0, amount.isFinite else { return nil }
        switch unit {
        case "s": return amount
        case "m": return amount * 60
        case "h": return amount * 3_600
        case "d": return amount * 86_400
        case "w": return amount * 604_800
        default: return nil
        }
    }
}

/// Formatting shared by the reports' tables.
public enum ReportFormat {
    /// `2026-11-25 07:24 UTC`.
    public static func date(_ date: Date) -> String {
        // EventCoding writes `2026-11-25T07:24:09.306Z` (UTC).
        let text = EventCoding.formatDate(date)
        guard text.count >= 16 else { return text }
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) UTC"
    }

    /// A score with three decimals, `-` when unknown.
    public static func score(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "-"
    }

    /// A share as a percentage without decimals, `-` when unknown.
    public static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.0f%%", $0 * 100) } ?? "-"
    }

    /// `text` made safe for a Markdown table cell.
    public static func cell(_ text: String, _ limit: Int = 60) -> String {
        QuestionText.short(text, limit).replacingOccurrences(of: "|", with: "\\|")
    }

    /// `"a", "b" and "c"` for lists in prose.
    public static func quoted(_ texts: [String]) -> String {
        texts.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
