/// Why the MiniLM embedder cannot start or run.
public struct MiniLMError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public static func invalidModel(_ message: String) -> MiniLMError { MiniLMError(message: message) }

    public var description: String { message }
}
