import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file in a local index's directory that records the embedding model of its vectors. Its name does
/// not end in `.json`, so it is never taken for a namespace (whose files are `<namespace>.json`, and any
/// name may be a namespace).
struct EmbeddingModelRecord: Sendable {
    static let fileName = "embedding-model.record"

    let directory: URL

    var url: URL { directory.appendingPathComponent(Self.fileName) }

    /// The recorded model, or nil when there is none.
    func read() throws -> EmbeddingModel? {
        try contents().map(decode)
    }

    /// The record's bytes, or nil when there is none.
    func contents() throws -> Data? {
        do {
            return try Data(contentsOf: url)
        } catch {
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            throw EmbeddingModelError.unreadableRecord(url.path, directory: directory.path, reason: error)
        }
    }

    /// The model that the record's bytes `data` name.
    func decode(_ data: Data) throws -> EmbeddingModel {
        do {
            return try JSONDecoder().decode(EmbeddingModel.self, from: data)
        } catch {
            throw EmbeddingModelError.unreadableRecord(url.path, directory: directory.path, reason: error)
        }
    }

    /// Records `model` unless a record exists already, and returns the model recorded now: when several
    /// processes bind a new index at once, the first one wins and the others see its record.
    func create(_ model: EmbeddingModel) throws -> EmbeddingModel {
        let temporary = directory.appendingPathComponent(".\(Self.fileName).\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try (encoder.encode(model) + Data("\n".utf8)).write(to: temporary)
        } catch {
            throw EmbeddingModelError.unwritableRecord(url.path, directory: directory.path, reason: "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: temporary) }
        // link(2) gives the complete file its name in one step, and fails if a record appeared meanwhile.
        if link(temporary.path, url.path) == 0 { return model }
        let failure = errno
        if failure != EEXIST, !FileManager.default.fileExists(atPath: url.path) {
            // A file system without hard links: an atomic rename, which would replace a record written in
            // the instant since the check above.
            guard rename(temporary.path, url.path) == 0 else {
                throw EmbeddingModelError.unwritableRecord(url.path, directory: directory.path, reason: String(cString: strerror(errno)))
            }
        }
        guard let recorded = try read() else {
            throw EmbeddingModelError.unwritableRecord(url.path, directory: directory.path, reason: String(cString: strerror(failure)))
        }
        return recorded
    }
}
