/// Incremental parser for `text/event-stream`: bytes in (split anywhere, even inside a UTF-8 character
/// or a CRLF), complete events' `data` out. Comment lines (`:`) and other fields are skipped.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var data: [String] = []
    private var sawCarriageReturn = false

    public init() {}

    /// Feeds more bytes; returns the data of each event completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
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
    public mutating func finish() -> [String] {
        var events: [String] = []
        if !line.isEmpty, let event = endLine() { events.append(event) }
        if !data.isEmpty {
            events.append(data.joined(separator: "\n"))
            data.removeAll()
        }
        return events
    }

    private mutating func endLine() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard !data.isEmpty else { return nil }
            defer { data.removeAll() }
            return data.joined(separator: "\n")
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") { return nil }
        guard text.hasPrefix("data:") else { return nil }
        var value = text.dropFirst(5)
        if value.hasPrefix(" ") { value = value.dropFirst() }
        data.append(String(value))
        return nil
    }
}
