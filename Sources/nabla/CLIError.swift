/// A command-line failure explained in one line (the tool prints "Error: <message>" and exits 1).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
