import Foundation
import NIOCore

/// One server-sent event: `event: <name>\ndata: <json>\n\n`.
enum ServerSentEvent {
    static func encode(_ name: String, _ value: some Encodable) -> ByteBuffer {
        let data = (try? JSONEncoder.answers.encode(value)) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "event: \(name)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }
}
