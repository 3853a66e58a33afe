import Foundation
import RAGCore

/// Named local files as objects: for `ragline ingest`, which reads files wherever they are and gives
/// each the key it would have in the knowledge folder.
public struct FileObjectStore: ObjectStore {
    public let files: [String: URL]

    public init(files: [String: URL]) {
        self.files = files
    }

    public func lines(of source: KnowledgeSource) -> AsyncThrowingStream<Substring, any Error> {
        guard let url = files[source.key] else {
            return AsyncThrowingStream { $0.finish(throwing: ProviderError(provider: "file", message: "no file for key \(source.key)", isRetriable: false)) }
        }
        let folder = url.deletingLastPathComponent()
        return FolderObjectStore(root: folder.path).lines(of: KnowledgeSource(bucket: source.bucket, key: url.lastPathComponent))
    }
}
