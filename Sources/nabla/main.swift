import Nabla
print("nabla")
