print("twofa")
