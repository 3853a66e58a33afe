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

    public init(id: String = UUID().uuidString.lowercased(), type: String, source: String, time: Date = Date(), subject: String? = nil, traceParent: TraceParent) {
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

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `bytes` (a multiple of 8) random bytes as lowercase hex, never all zero (W3C Trace Context forbids it).
    /// One random word per 8 bytes and a table lookup per digit: every published event makes one or two ids,
    /// and formatting them byte by byte (a system call and a `String(format:)` each) cost the gateway's
    /// front door an eighth of its time.
    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var digits = [UInt8]()
        digits.reserveCapacity(bytes * 2)
        repeat {
            digits.removeAll(keepingCapacity: true)
            for _ in 0..<(bytes / 8) {
                var word: UInt64 = generator.next()
                for _ in 0..<8 {
                    let byte = Int(word & 0xff)
                    digits.append(hexDigits[byte >> 4])
                    digits.append(hexDigits[byte & 0x0f])
                    word >>= 8
                }
            }
        } while digits.allSatisfy { $0 == UInt8(ascii: "0") }
        return String(decoding: digits, as: UTF8.self)
    }
}
