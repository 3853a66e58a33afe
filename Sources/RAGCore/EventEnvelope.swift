import Foundation

/// CloudEvents 1.0 binary-mode attributes carried as Kafka headers, plus W3C trace context (DESIGN 4).
public struct EventEnvelope: Sendable, Hashable {
    public var id: String
    public var type: String
    public var source: String
    public var time: Date
    public var subject: String?
    public var traceParent: TraceParent
    public var contentType = "application/json"

    public init(id: String = RandomIDs.uuid(), type: String, source: String, time: Date = Date(), subject: String? = nil, traceParent: TraceParent) {
        self.id = id
        self.type = type
        self.source = source
        self.time = time
        self.subject = subject
        self.traceParent = traceParent
    }

    public enum HeaderName {
        public static let specVersion = "ce_specversion"
        public static let id = "ce_id"
        public static let type = "ce_type"
        public static let source = "ce_source"
        public static let time = "ce_time"
        public static let subject = "ce_subject"
        public static let contentType = "content-type"
        public static let traceParent = "traceparent"
    }

    /// Header name/value pairs in the order they are written.
    public var headers: [(name: String, value: String)] {
        var headers: [(String, String)] = [
            (HeaderName.specVersion, "1.0"),
            (HeaderName.id, id),
            (HeaderName.source, source),
            (HeaderName.type, type),
            (HeaderName.time, EventCoding.formatDate(time)),
            (HeaderName.contentType, contentType),
            (HeaderName.traceParent, traceParent.description),
        ]
        if let subject { headers.append((HeaderName.subject, subject)) }
        return headers
    }

    /// Reads the envelope from headers. Returns nil when a required attribute is missing, so the caller
    /// can dead-letter the record with that reason.
    public static func parse(header: (String) -> String?) -> Result<EventEnvelope, EnvelopeError> {
        guard header(HeaderName.specVersion) == "1.0" else { return .failure(.init(reason: "missing or unsupported ce_specversion")) }
        guard let id = header(HeaderName.id), !id.isEmpty else { return .failure(.init(reason: "missing ce_id")) }
        guard let type = header(HeaderName.type), !type.isEmpty else { return .failure(.init(reason: "missing ce_type")) }
        guard let source = header(HeaderName.source) else { return .failure(.init(reason: "missing ce_source")) }
        let time = header(HeaderName.time).flatMap(EventCoding.parseDate) ?? Date()
        let trace = header(HeaderName.traceParent).flatMap(TraceParent.init(parsing:)) ?? TraceParent.random()
        var envelope = EventEnvelope(id: id, type: type, source: source, time: time, subject: header(HeaderName.subject), traceParent: trace)
        if let contentType = header(HeaderName.contentType) { envelope.contentType = contentType }
        return .success(envelope)
    }
}

public struct EnvelopeError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// W3C `traceparent`: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    public var traceID: String
    public var parentID: String
    public var flags: String

    public init(traceID: String, parentID: String, flags: String = "01") {
        self.traceID = traceID
        self.parentID = parentID
        self.flags = flags
    }

    public init?(parsing text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts.dropFirst().allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
              parts[1] != String(repeating: "0", count: 32), parts[2] != String(repeating: "0", count: 16)
        else { return nil }
        self.init(traceID: String(parts[1]).lowercased(), parentID: String(parts[2]).lowercased(), flags: String(parts[3]))
    }

    public static func random() -> TraceParent {
        TraceParent(traceID: randomHex(bytes: 16), parentID: randomHex(bytes: 8))
    }

    /// The same trace with a new span id: what a stage writes on the record it produces.
    public func child() -> TraceParent {
        TraceParent(traceID: traceID, parentID: Self.randomHex(bytes: 8), flags: flags)
    }

    public var description: String { "00-\(traceID)-\(parentID)-\(flags)" }

    /// `bytes` random bytes as lowercase hex, never all zero (W3C Trace Context forbids it).
    private static func randomHex(bytes: Int) -> String {
        RandomIDs.hex(bytes: bytes)
    }
}
