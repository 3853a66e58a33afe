print("ragline")
