import NablaNN
import NablaOptim
import NablaTrain

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

/// The learning-rate schedules `nabla train --schedule` accepts, stepped once per epoch.
enum ScheduleChoice: String, CaseIterable, Codable {
    /// A constant rate.
    case none
    /// Cosine annealing from the rate to 0 over the run's epochs (`CosineAnnealingLR`).
    case cosine
    /// The rate halved every epoch (`StepLR`, step 1, gamma 0.5).
    case step
    /// Halved when the validation loss stops improving for an epoch (`ReduceLROnPlateau`).
    case plateau

    /// The callback applying the schedule to `optimizer` over `epochs` epochs, or nil for `none`.
    func makeCallback(for optimizer: Optimizer, epochs: Int) -> (any Callback)? {
        switch self {
        case .none: return nil
        case .cosine: return LearningRateScheduler(CosineAnnealingLR(optimizer, tMax: epochs))
        case .step: return LearningRateScheduler(StepLR(optimizer, stepSize: 1, gamma: 0.5))
        case .plateau: return ReduceLROnPlateau(optimizer, factor: 0.5, patience: 0)
        }
    }
}
