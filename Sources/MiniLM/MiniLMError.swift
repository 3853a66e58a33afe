/// Why the MiniLM embedder cannot start or run.
public struct MiniLMError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public static func invalidModel(_ message: String) -> MiniLMError { MiniLMError(message: message) }

    public static func threadsUnavailable(_ threads: Int) -> MiniLMError {
        MiniLMError(message: "could not start \(threads - 1) MiniLM worker thread(s) for RAGLINE_EMBEDDER_THREADS=\(threads)")
    }

    public var description: String { message }
}
