import Foundation
import RAGCore

/// The embedded object store: keys `knowledge/<namespace>/<file>.jsonl` are files under a root folder
/// (`$RAGLINE_DATA_DIR/knowledge`). Any bucket name maps to the same folder.
public struct FolderObjectStore: ObjectStore {
    public let root: URL

    public init(root: String) {
        self.root = URL(fileURLWithPath: root, isDirectory: true)
    }

    /// The file behind `key`; nil for keys that would leave the root.
    public func fileURL(for key: String) -> URL? {
        var relative = key
        if relative.hasPrefix("knowledge/") { relative.removeFirst("knowledge/".count) }
        let components = relative.split(separator: "/")
        guard !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        return components.reduce(root) { $0.appendingPathComponent(String($1)) }
    }

    /// The key of a file under the root.
    public func key(for file: URL) -> String? {
        let rootPath = root.standardizedFileURL.path
        let filePath = file.standardizedFileURL.path
        guard filePath.hasPrefix(rootPath + "/") else { return nil }
        return "knowledge/" + filePath.dropFirst(rootPath.count + 1)
    }

    public func lines(of source: KnowledgeSource) -> AsyncThrowingStream<Substring, any Error> {
        let url = fileURL(for: source.key)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    guard let url else { throw ProviderError(provider: "folder", message: "key \(source.key) is outside the knowledge folder", isRetriable: false) }
                    let handle: FileHandle
                    do {
                        handle = try FileHandle(forReadingFrom: url)
                    } catch {
                        throw ProviderError(provider: "folder", message: "cannot open \(url.path): no such object", isRetriable: false)
                    }
                    defer { try? handle.close() }
                    var pending = Data()
                    while let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
                        try Task.checkCancellation()
                        pending.append(chunk)
                        while let newline = pending.firstIndex(of: 0x0A) {
                            let line = pending[pending.startIndex..<newline]
                            continuation.yield(Self.text(line))
                            pending.removeSubrange(pending.startIndex...newline)
                        }
                    }
                    if !pending.isEmpty { continuation.yield(Self.text(pending)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func text(_ bytes: Data) -> Substring {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
