// Placeholder so the target builds; real code arrives with the NN issue.
import Nabla
