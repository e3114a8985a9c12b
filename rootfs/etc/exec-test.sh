#!/bin/exec script
