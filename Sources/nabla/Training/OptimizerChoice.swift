import NablaNN
import NablaOptim

/// The optimizers `nabla train --optimizer` accepts, with PyTorch's defaults for everything but the rate.
enum OptimizerChoice: String, CaseIterable, Codable {
    case adam, adamw, sgd, rmsprop, adagrad, adadelta, lion

    /// The optimizer for `model`'s parameters at `learningRate`.
    func make(for model: Module, learningRate: Double) -> Optimizer {
        switch self {
        case .adam: return Adam(model, learningRate: learningRate)
        case .adamw: return AdamW(model, learningRate: learningRate)
        case .sgd: return SGD(model, learningRate: learningRate, momentum: 0.9)
        case .rmsprop: return RMSprop(model, learningRate: learningRate)
        case .adagrad: return Adagrad(model, learningRate: learningRate)
        case .adadelta: return Adadelta(model, learningRate: learningRate)
        case .lion: return Lion(model, learningRate: learningRate)
        }
    }
}
