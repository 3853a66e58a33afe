/// What ingesting one object did: logged, counted in metrics, and returned to `ragline ingest`.
public struct IngestReport: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var accepted = 0
    public var rejected: [RejectedLine] = []
    /// Entries removed because the new version of the file no longer has them, or the file was deleted.
    public var deleted = 0
    /// Namespaces the object's entries live in (and the one its key implies), whose knowledge models need a refit.
    public var namespaces: Set<String> = []

    public struct RejectedLine: Sendable, Hashable {
        public var line: Int
        public var reason: String
    }

    public init(key: String) {
        self.key = key
    }

    public var description: String {
        "\(key): \(accepted) accepted, \(rejected.count) rejected, \(deleted) deleted"
    }
}
