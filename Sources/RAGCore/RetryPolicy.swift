import Foundation


/// Exponential backoff with full jitter, bounded by attempts and by a deadline (DESIGN 5).
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// Delay before retry number `attempt` (1-based): random in [0, min(max, initial * 2^(attempt-1))].
    public func delay(beforeRetry attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 30)
        let ceiling = min(maxDelay, initialDelay * (1 << exponent))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(nanoseconds, 0)))
    }

    /// Runs `operation` until it succeeds, `shouldRetry` says no, attempts run out, or the next wait would
    /// pass `deadline`. Rethrows the last error.
    public func run<T: Sendable>(
        deadline: Date? = nil,
        shouldRetry: @Sendable (any Error) -> Bool,
        _ operation: @Sendable (_ attempt: Int) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation(attempt)
            } catch {
                guard attempt < maxAttempts, shouldRetry(error), !Task.isCancelled else { throw error }
                // A server's Retry-After wins over our own backoff when it asks for longer.
                let wait = max(delay(beforeRetry: attempt), (error as? ProviderError)?.retryAfter ?? .zero)
                if let deadline, Date().addingTimeInterval(wait.milliseconds / 1000) > deadline {
                    throw error
                }
                try await Task.sleep(for: wait)
                attempt += 1
            }
        }
    }
}

extension RetryPolicy {
    /// Runs a provider call, retrying only errors the provider marks retriable (429, 5xx, timeouts),
    /// never past `deadline`.
    public func runProviderCall<T: Sendable>(deadline: Date, _ operation: @Sendable () async throws -> T) async throws -> T {
        try await run(deadline: deadline, shouldRetry: { ($0 as? ProviderError)?.isRetriable ?? false }) { _ in
            try await operation()
        }
    }
}
