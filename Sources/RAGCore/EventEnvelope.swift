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

    /// Reads version 00: `00-` then 32, 16 and 2 hex digits separated by `-`, 55 bytes in all, the ids not all
    /// zero. Upper-case hex is accepted and the ids are lower-cased. Every record's header is parsed, so it
    /// reads bytes (splitting into Characters was 0.5% of a loaded pipeline's samples).
    public init?(parsing text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> TraceParent? {
        let dash = UInt8(ascii: "-")
        guard bytes.count == 55, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0"),
              bytes[2] == dash, bytes[35] == dash, bytes[52] == dash,
              let traceID = hex(bytes, 3..<35, lowercased: true), !traceID.allZero,
              let parentID = hex(bytes, 36..<52, lowercased: true), !parentID.allZero,
              let flags = hex(bytes, 53..<55, lowercased: false)
        else { return nil }
        return TraceParent(traceID: traceID.text, parentID: parentID.text, flags: flags.text)
    }

    /// The hex digits at `range` as text, and whether they are all zero; nil if one is not a hex digit.
    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, lowercased: Bool) -> (text: String, allZero: Bool)? {
        var allZero = true
        for byte in bytes[range] {
            switch byte {
            case UInt8(ascii: "0"): continue
            case UInt8(ascii: "1")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): allZero = false
            default: return nil
            }
        }
        let text = String(unsafeUninitializedCapacity: range.count) { buffer in
            for (offset, byte) in bytes[range].enumerated() {
                buffer[offset] = lowercased && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F") ? byte + 32 : byte
            }
            return range.count
        }
        return (text, allZero)
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
