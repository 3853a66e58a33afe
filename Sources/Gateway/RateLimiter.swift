import RAGCore
import Synchronization

/// Token buckets, one per client, in one gateway instance: a bucket holds up to `burst` tokens, refills at
/// `rate` per second, and each request takes one. Instances do not share buckets, so N gateways behind a
/// balancer allow up to N times the rate. At most `capacity` buckets are kept: full ones go first
/// (forgetting a full bucket changes nothing, since a new one starts full), then the least recently used.
final class RateLimiter: Sendable {
    /// What a request may do, and the numbers its RateLimit headers report.
    struct Decision: Sendable, Equatable {
        let allowed: Bool
        /// The bucket's size.
        let limit: Int
        /// Whole tokens left after this request.
        let remaining: Int
        /// Seconds until the bucket is full again.
        let reset: Int
        /// Seconds until one token is back (0 when allowed).
        let retryAfter: Int
    }

    private struct Bucket: Sendable {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let rate: Double
    let burst: Int
    let capacity: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double, burst: Int, capacity: Int) {
        precondition(rate > 0 && burst >= 1 && capacity >= 1, "a rate limiter needs rate > 0, burst >= 1 and capacity >= 1")
        self.rate = rate
        self.burst = burst
        self.capacity = capacity
    }

    /// Takes a token from `key`'s bucket if it has one.
    func acquire(_ key: String, now: ContinuousClock.Instant = .now) -> Decision {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(burst), updated: now)
            let elapsed = (now - bucket.updated).seconds
            if elapsed > 0 {
                bucket.tokens = min(Double(burst), bucket.tokens + elapsed * rate)
                bucket.updated = now
            }
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets[key] == nil && buckets.count >= capacity { evict(&buckets, now: now) }
            buckets[key] = bucket
            return Decision(
                allowed: allowed, limit: burst, remaining: Int(bucket.tokens.rounded(.down)),
                reset: Self.wholeSeconds((Double(burst) - bucket.tokens) / rate),
                retryAfter: allowed ? 0 : max(1, Self.wholeSeconds((1 - bucket.tokens) / rate))
            )
        }
    }

    /// The buckets kept now.
    var count: Int { buckets.withLock { $0.count } }

    /// Makes room: drops the buckets that are full by now, then, when most are busy (very many clients at
    /// once), the least recently used down to 90% of `capacity`.
    private func evict(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let full = Double(burst)
        let rate = self.rate
        buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated).seconds * rate < full }
        let keep = capacity - max(1, capacity / 10)
        guard buckets.count > keep else { return }
        let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count - keep).map(\.key)
        for key in oldest { buckets[key] = nil }
    }

    /// Whole seconds, rounded up, within 0...10^9 (a tiny rate must not overflow `Int`).
    static func wholeSeconds(_ seconds: Double) -> Int {
        Int(min(max(seconds, 0), 1e9).rounded(.up))
    }
}
