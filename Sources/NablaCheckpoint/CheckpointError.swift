import Nabla
import NablaNN

/// What went wrong reading or writing a safetensors file or a checkpoint.
///
/// Every case names the file, and the tensor (`key`) when one is at fault, so a message such as
/// `model.safetensors: tensor "fc1.weight": shape [3, 4] of F32 needs 48 bytes, data_offsets span 40`
/// points straight at the problem. Nothing in this module traps on bad files.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is shorter than the 8-byte header length prefix.
    case fileTooShort(file: String, byteCount: Int)
    /// The header length prefix claims more bytes than the file holds.
    case headerTooLarge(file: String, headerByteCount: UInt64, fileByteCount: Int)
    /// The header is not a valid JSON object (or not UTF-8, or empty).
    case invalidHeader(file: String, reason: String)
    /// A tensor entry lacks a field, or a field has the wrong type or value.
    case invalidEntry(file: String, key: String, reason: String)
    /// A tensor's dtype is not one Nabla reads (`F64 F32 F16 BF16 I64 I32 I8 U8 BOOL`).
    case unknownDType(file: String, key: String, dtype: String)
    /// A tensor's byte span does not match its shape and dtype.
    case sizeMismatch(file: String, key: String, shape: [Int], dtype: String, expectedByteCount: Int, actualByteCount: Int)
    /// A tensor's `data_offsets` are reversed (`begin > end`).
    case invalidOffsets(file: String, key: String, begin: Int, end: Int)
    /// A tensor's data ends past the end of the file (the file is truncated or the offsets are wrong).
    case truncatedData(file: String, key: String, end: Int, bufferByteCount: Int)
    /// Two tensors' byte spans overlap.
    case overlappingTensors(file: String, key: String, otherKey: String)
    /// The `__metadata__` block is not a map of strings to strings, or a known metadata entry is malformed.
    case invalidMetadata(file: String, key: String?, reason: String)
    /// The file says it is a checkpoint in a format version this build does not know.
    case unsupportedFormatVersion(file: String, version: String)
    /// A tensor cannot be written as asked (duplicate or reserved name, reserved metadata key).
    case invalidTensorName(file: String, key: String, reason: String)
    /// The file's tensors do not match the model: every missing, unexpected and mis-shaped key.
    case stateDictMismatch(file: String, StateDictError)
    /// A system call failed (`operation` is "open", "read", "write", "fsync", "rename", "mmap", …).
    case io(file: String, operation: String, errno: Int32, message: String)

    /// The file the error is about.
    public var file: String {
        switch self {
        case let .fileTooShort(file, _), let .headerTooLarge(file, _, _), let .invalidHeader(file, _),
             let .invalidEntry(file, _, _), let .unknownDType(file, _, _), let .sizeMismatch(file, _, _, _, _, _),
             let .invalidOffsets(file, _, _, _), let .truncatedData(file, _, _, _), let .overlappingTensors(file, _, _),
             let .invalidMetadata(file, _, _), let .unsupportedFormatVersion(file, _), let .invalidTensorName(file, _, _),
             let .stateDictMismatch(file, _), let .io(file, _, _, _):
            return file
        }
    }

    /// The tensor (or metadata key) at fault, when there is one.
    public var key: String? {
        switch self {
        case let .invalidEntry(_, key, _), let .unknownDType(_, key, _), let .sizeMismatch(_, key, _, _, _, _),
             let .invalidOffsets(_, key, _, _), let .truncatedData(_, key, _, _), let .overlappingTensors(_, key, _),
             let .invalidTensorName(_, key, _):
            return key
        case let .invalidMetadata(_, key, _):
            return key
        default:
            return nil
        }
    }

    /// A one-line explanation naming the file and the key.
    public var description: String {
        switch self {
        case let .fileTooShort(file, count):
            return "\(file): file too short for safetensors (\(count) bytes; at least 8 are needed for the header length)"
        case let .headerTooLarge(file, header, size):
            return "\(file): header length \(header) is larger than the file allows (\(size) bytes in all, so at most \(max(size - 8, 0)))"
        case let .invalidHeader(file, reason):
            return "\(file): invalid safetensors header: \(reason)"
        case let .invalidEntry(file, key, reason):
            return "\(file): tensor \"\(key)\": \(reason)"
        case let .unknownDType(file, key, dtype):
            return "\(file): tensor \"\(key)\": unknown or unsupported dtype \"\(dtype)\" "
                + "(Nabla reads \(DType.allCases.map(\.safetensorsName).joined(separator: ", ")))"
        case let .sizeMismatch(file, key, shape, dtype, expected, actual):
            return "\(file): tensor \"\(key)\": shape \(shape) of \(dtype) needs \(expected) bytes, but data_offsets span \(actual)"
        case let .invalidOffsets(file, key, begin, end):
            return "\(file): tensor \"\(key)\": data_offsets [\(begin), \(end)] are out of range (begin must be <= end, both >= 0)"
        case let .truncatedData(file, key, end, buffer):
            return "\(file): tensor \"\(key)\": data ends at byte \(end) of the data buffer, which holds only \(buffer) bytes "
                + "(the file is truncated or the offsets are wrong)"
        case let .overlappingTensors(file, key, other):
            return "\(file): tensor \"\(key)\": its bytes overlap those of tensor \"\(other)\""
        case let .invalidMetadata(file, key, reason):
            return "\(file): invalid __metadata__" + (key.map { " entry \"\($0)\"" } ?? "") + ": \(reason)"
        case let .unsupportedFormatVersion(file, version):
            return "\(file): nabla-checkpoint format_version \"\(version)\" is not supported "
                + "(this build reads version \(Checkpoint.formatVersion)); upgrade Nabla"
        case let .invalidTensorName(file, key, reason):
            return "\(file): cannot write tensor \"\(key)\": \(reason)"
        case let .stateDictMismatch(file, error):
            return "\(file): \(error.description)"
        case let .io(file, operation, code, message):
            return "\(file): \(operation) failed: \(message) (errno \(code))"
        }
    }
}
