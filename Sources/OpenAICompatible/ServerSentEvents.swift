/// Incremental parser for `text/event-stream`: bytes in (split anywhere, even inside a UTF-8 character
/// or a CRLF), complete events out. Comment lines (`:`), `id` and `retry` fields are skipped.
public struct ServerSentEventParser: Sendable {
    /// One event: its `event` field (`message` when absent, as browsers name it) and its `data` lines joined.
    public struct Event: Sendable, Equatable {
        public var name: String
        public var data: String
    }

    private var line: [UInt8] = []
    private var name: String?
    private var data: [String] = []
    private var sawCarriageReturn = false

    public init() {}

    /// Feeds more bytes; returns each event completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if sawCarriageReturn {
                sawCarriageReturn = false
                if byte == 0x0A { continue } // the LF of a CRLF
            }
            if byte == 0x0A || byte == 0x0D {
                sawCarriageReturn = byte == 0x0D
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: an event not followed by a blank line still counts.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        if !line.isEmpty, let event = endLine() { events.append(event) }
        if let event = endEvent() { events.append(event) }
        return events
    }

    private mutating func endEvent() -> Event? {
        defer {
            data.removeAll()
            name = nil
        }
        guard !data.isEmpty else { return nil }
        return Event(name: name ?? "message", data: data.joined(separator: "\n"))
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return endEvent() }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") { return nil }
        let field = text.prefix { $0 != ":" }
        var value = text.dropFirst(field.count).dropFirst()
        if value.hasPrefix(" ") { value = value.dropFirst() }
        switch field {
        case "data": data.append(String(value))
        case "event": name = String(value)
        default: break
        }
        return nil
    }
}
